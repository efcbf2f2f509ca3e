using System.ComponentModel.DataAnnotations;
using Payments.Infrastructure.Hosting;

namespace Payments.Api.Auth;

/// <summary>
/// The API's clients and keys (section <c>Api</c>). Every client key belongs to one named client:
/// <c>Api:Clients:{name}:ApiKeys</c> (a list, so keys rotate), and the keys in <c>Api:ApiKeys</c> / <c>Api:ApiKey</c>
/// belong to <see cref="DefaultClient"/>. With no key configured at all, the local development key
/// <see cref="DevelopmentClientKey"/> belongs to <see cref="DefaultClient"/>; it stops working as soon as any key is configured.
/// </summary>
internal sealed class ApiKeyOptions : IValidatableObject
{
    public const string Section = "Api";
    public const string DefaultClient = "default";
    public const string DevelopmentClientKey = "dev-api-key";
    public const string DevelopmentAdminKey = "dev-admin-key";
    public const int MinimumKeyLength = 8;

    /// <summary>Named clients, each with its keys.</summary>
    public Dictionary<string, ApiClientOptions> Clients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Keys of the client <see cref="DefaultClient"/>.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>One more key of <see cref="DefaultClient"/>, settable from a single environment variable (<c>Api__ApiKey</c>).</summary>
    public string? ApiKey { get; set; }

    [Required]
    [MinLength(MinimumKeyLength)]
    public string AdminKey { get; set; } = DevelopmentAdminKey;

    /// <summary>Whether any client key is configured (otherwise the development key applies).</summary>
    public bool HasConfiguredKeys => ConfiguredKeys().Any();

    /// <summary>The client keys set in configuration, without the development key that applies when there are none.</summary>
    public IEnumerable<ApiClientKey> ConfiguredKeys()
    {
        foreach (var key in ApiKeys.Append(ApiKey).Where(key => !string.IsNullOrEmpty(key)))
        {
            yield return new ApiClientKey(DefaultClient, key!);
        }

        foreach (var (name, client) in Clients)
        {
            foreach (var key in client.ApiKeys.Where(key => !string.IsNullOrEmpty(key)))
            {
                yield return new ApiClientKey(name, key);
            }
        }
    }

    /// <summary>Every accepted client key with the client it belongs to.</summary>
    public IReadOnlyList<ApiClientKey> ClientKeys()
    {
        var configured = ConfiguredKeys().ToList();
        return configured.Count > 0 ? configured : [new ApiClientKey(DefaultClient, DevelopmentClientKey)];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var name in Clients.Keys.Where(name => !ClientNames.IsValid(name)))
        {
            yield return new ValidationResult($"Api:Clients:{name}: {ClientNames.Rule}.", [nameof(Clients)]);
        }

        foreach (var key in ConfiguredKeys().Where(key => key.Key.Length < MinimumKeyLength))
        {
            yield return new ValidationResult(
                $"{SettingOf(key.Client)}: client keys must be at least {MinimumKeyLength} characters long.", [nameof(Clients)]);
        }

        foreach (var shared in ConfiguredKeys().GroupBy(key => key.Key, StringComparer.Ordinal).Where(g => g.Select(k => k.Client).Distinct().Count() > 1))
        {
            yield return new ValidationResult(
                $"One key belongs to several clients ({string.Join(", ", shared.Select(k => k.Client).Distinct())}): a key names exactly one client.",
                [nameof(Clients)]);
        }

        if (ClientKeys().Any(key => string.Equals(key.Key, AdminKey, StringComparison.Ordinal)))
        {
            yield return new ValidationResult(
                "Api:AdminKey is also a client key: the admin key must not be given to a client.", [nameof(AdminKey)]);
        }
    }

    /// <summary>The configuration setting that holds a client's keys, for messages that must name it (never the key).</summary>
    public static string SettingOf(string client) =>
        client == DefaultClient ? $"Api:ApiKeys (or Api:Clients:{DefaultClient}:ApiKeys)" : $"Api:Clients:{client}:ApiKeys";
}

/// <summary>One client under <c>Api:Clients:{name}</c>.</summary>
internal sealed class ApiClientOptions
{
    public List<string> ApiKeys { get; set; } = [];
}

/// <summary>A client key and the client it authenticates.</summary>
internal sealed record ApiClientKey(string Client, string Key);
