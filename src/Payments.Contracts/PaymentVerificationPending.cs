namespace Payments.Contracts;

/// <summary>
/// Event: the portal reports the transaction pending (or mined without a valid hash yet, or not found within the grace, or a
/// status word this service does not know); the consumer re-checks after
/// <paramref name="NextCheckIn"/>. Not a failure: no retry is consumed.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">The MiniKit transaction id.</param>
/// <param name="PortalStatus">Raw status reported by the portal.</param>
/// <param name="PendingChecks">How many checks so far found the transaction pending, this one included.</param>
/// <param name="NextCheckIn">Delay before the next check.</param>
/// <param name="FirstCheckedAt">When the portal first answered for this transaction.</param>
public sealed record PaymentVerificationPending(
    Guid PaymentId,
    string TransactionId,
    string PortalStatus,
    int PendingChecks,
    TimeSpan NextCheckIn,
    DateTimeOffset? FirstCheckedAt = null);
