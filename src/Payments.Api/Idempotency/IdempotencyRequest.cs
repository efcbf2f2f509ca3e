using System.Security.Cryptography;
using System.Text;
using Payments.Api.Payments;

namespace Payments.Api.Idempotency;

/// <summary>The <c>Idempotency-Key</c> header and the fingerprint of the request it is used with.</summary>
internal static class IdempotencyRequest
{
    public const string Header = "Idempotency-Key";

    /// <summary>Tells a client that the answer is a replay of the first one (as Stripe's <c>Idempotent-Replayed</c>).</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// The key, null when the request has none, or an error: one header value of 1 to 255 printable ASCII characters.
    /// </summary>
    public static (string? Key, string? Error) Read(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values))
        {
            return (null, null);
        }

        if (values.Count != 1 || values[0] is not { } key)
        {
            return (null, $"{Header} must be given once.");
        }

        if (key.Length is 0 or > IdempotencyDbContext.KeyLength || !key.All(c => c is >= ' ' and <= '~'))
        {
            return (null, $"{Header} must be 1 to {IdempotencyDbContext.KeyLength} printable ASCII characters.");
        }

        return (key, null);
    }

    /// <summary>
    /// SHA-256 of the validated fields, so "the same body" means the same payment (an amount written <c>1.50</c> or <c>1.5</c>,
    /// a recipient in either case), not the same bytes.
    /// </summary>
    public static byte[] Hash(PaymentValidation.ValidPayment payment)
    {
        // Length-prefixed fields: no value can be mistaken for a boundary.
        var canonical = string.Join('\n', new[] { payment.UserId, payment.Token, payment.AmountBaseUnits, payment.Recipient }
            .Select(value => $"{value.Length}:{value}"));
        return SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
    }
}
