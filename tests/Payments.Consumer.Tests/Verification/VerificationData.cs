using Payments.Consumer.Portal;
using Payments.Contracts;

namespace Payments.Consumer.Tests.Verification;

internal static class VerificationData
{
    public const string Reference = "8f14e45fceea167a5a36dedd4bea2543";
    public const string TransactionId = "0x1111111111111111111111111111111111111111111111111111111111111111";
    public const string Hash = "0x2222222222222222222222222222222222222222222222222222222222222222";
    public const string Recipient = "0x9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
    public const string Token = "USDC";
    public const string Amount = "1500000";

    public static VerifyPayment Command(Guid? paymentId = null) =>
        new(paymentId ?? Guid.NewGuid(), Reference, TransactionId, Recipient, Token, Amount);

    /// <summary>A transaction that matches <see cref="Command"/> in every field.</summary>
    public static PortalTransaction Transaction(string status = "mined", string? hash = Hash) =>
        new(TransactionId, hash, status, Reference, Recipient, Token, Amount);

    public static PortalLookup Found(PortalTransaction transaction) => new PortalLookup.Found(transaction);
}
