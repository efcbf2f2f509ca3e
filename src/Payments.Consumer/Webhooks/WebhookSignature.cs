using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// The <c>Payments-Signature</c> header: <c>t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{body}"}</c>, one <c>v1=</c> per
/// signing secret. The timestamp is signed with the body, so a receiver that refuses old timestamps also refuses replays.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Payments-Signature";

    public static string Create(long timestamp, string body, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one signing secret is needed.", nameof(secrets));
        }

        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        var payload = Encoding.UTF8.GetBytes($"{t}.{body}");
        var header = new StringBuilder("t=").Append(t);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var secret in secrets)
        {
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload, mac);
            header.Append(",v1=").Append(Convert.ToHexStringLower(mac));
        }

        return header.ToString();
    }
}
