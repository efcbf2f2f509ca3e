using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Payments.Api.Auth;

/// <summary>
/// The accepted keys as SHA-256 hashes with their client, built once per configuration change rather than per request.
/// </summary>
internal sealed class ApiKeyTable : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile Entries _entries;

    public ApiKeyTable(IOptionsMonitor<ApiKeyOptions> options)
    {
        _entries = Build(options.CurrentValue);
        _subscription = options.OnChange(current => _entries = Build(current));
    }

    /// <summary>
    /// The client a presented key belongs to, or null. Compares hashes in constant time and checks every key without stopping
    /// at a match, so neither the length nor the position of a key shows in the response time.
    /// </summary>
    public string? FindClient(string presented) => Find(presented, _entries.Clients);

    public bool IsAdminKey(string presented) => Find(presented, _entries.Admin) is not null;

    public void Dispose() => _subscription?.Dispose();

    private static string? Find(string presented, (byte[] Hash, string Client)[] keys)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        string? client = null;
        foreach (var (hash, owner) in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presentedHash, hash))
            {
                client = owner;
            }
        }

        return client;
    }

    private static Entries Build(ApiKeyOptions options) => new(
        [.. options.ClientKeys().Select(key => (Hash(key.Key), key.Client))],
        [(Hash(options.AdminKey), "admin")]);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private sealed record Entries((byte[] Hash, string Client)[] Clients, (byte[] Hash, string Client)[] Admin);
}
