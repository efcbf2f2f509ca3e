using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Payments.PortalSimulator.Webhooks;

/// <summary>The outcome of a signature check; <see cref="Failure"/> says why an invalid one is invalid.</summary>
internal readonly record struct SignatureCheck(bool Valid, string? Failure)
{
    public static SignatureCheck Passed { get; } = new(true, null);

    public static SignatureCheck Failed(string failure) => new(false, failure);
}

/// <summary>
/// Checks <c>Payments-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;...]</c>: HMAC-SHA256, keyed with a
/// secret's UTF-8 bytes, over <c>"{t}." + raw body</c>. Valid when any v1 entry matches any configured secret and t is
/// within the tolerance of the simulator's clock. Thread-safe.
/// </summary>
internal sealed class WebhookSignatureVerifier
{
    public const string HeaderName = "Payments-Signature";
    private const int HmacSha256Bytes = 32;

    private readonly byte[][] _keys;
    private readonly long _toleranceSeconds;
    private readonly TimeProvider _timeProvider;

    public WebhookSignatureVerifier(IOptions<WebhookOptions> options, TimeProvider timeProvider)
    {
        _keys = [.. options.Value.Secrets().Select(Encoding.UTF8.GetBytes)];
        _toleranceSeconds = (long)options.Value.WebhookTolerance.TotalSeconds;
        _timeProvider = timeProvider;
    }

    public SignatureCheck Verify(string? header, ReadOnlySpan<byte> body)
    {
        if (_keys.Length == 0)
        {
            return SignatureCheck.Failed("no webhook secret is configured, so no signature can be checked");
        }

        if (string.IsNullOrEmpty(header))
        {
            return SignatureCheck.Failed($"the {HeaderName} header is missing");
        }

        if (!TryParse(header, out var timestamp, out var seconds, out var signatures))
        {
            return SignatureCheck.Failed($"the {HeaderName} header is malformed: expected t=<unix seconds>,v1=<64 lowercase hex digits>[,v1=...]");
        }

        // Compared without subtracting from the presented value, so that no timestamp, however large, overflows.
        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (seconds < now - _toleranceSeconds || seconds > now + _toleranceSeconds)
        {
            return SignatureCheck.Failed($"the signature's timestamp is more than {_toleranceSeconds} s away from the receiver's clock");
        }

        // Signed over the timestamp as the sender wrote it, and the body's bytes as they came (not decoded and re-encoded).
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));

        Span<byte> expected = stackalloc byte[HmacSha256Bytes];
        var matched = false;
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, payload, expected);
            foreach (var signature in signatures)
            {
                matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
            }
        }

        return matched ? SignatureCheck.Passed : SignatureCheck.Failed("no v1 signature matches a configured secret");
    }

    // Exactly one t (digits only) and at least one v1 (64 lowercase hex digits); other keys are ignored, so that a sender
    // may add a scheme the receiver does not know yet.
    private static bool TryParse(string header, out string timestamp, out long seconds, out List<byte[]> signatures)
    {
        timestamp = "";
        seconds = 0;
        signatures = [];
        var timestamps = 0;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            var key = part[..equals];
            var value = part[(equals + 1)..];
            switch (key)
            {
                case "t":
                    timestamps++;
                    timestamp = value;
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
                    {
                        return false;
                    }

                    break;
                case "v1":
                    if (value.Length != HmacSha256Bytes * 2 || !value.All(char.IsAsciiHexDigitLower))
                    {
                        return false;
                    }

                    signatures.Add(Convert.FromHexString(value));
                    break;
            }
        }

        return timestamps == 1 && signatures.Count > 0;
    }
}
