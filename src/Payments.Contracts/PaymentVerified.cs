namespace Payments.Contracts;

/// <summary>Event: the portal reports the transaction mined with a hash, and every field matches the intent.</summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">The verified MiniKit transaction id.</param>
/// <param name="TransactionHash">On-chain transaction hash reported by the portal.</param>
/// <param name="PortalStatus">Raw status reported by the portal.</param>
/// <param name="VerifiedAt">When the consumer reached the verdict.</param>
public sealed record PaymentVerified(
    Guid PaymentId,
    string TransactionId,
    string TransactionHash,
    string PortalStatus,
    DateTimeOffset VerifiedAt);
