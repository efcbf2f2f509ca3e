namespace Payments.Contracts;

/// <summary>
/// Event: the transaction will never confirm this intent: it failed on chain, the portal does not know it, or a field
/// does not match (the reason names the field, e.g. <c>amount mismatch: expected 1500000, got 1000000</c>).
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">The rejected MiniKit transaction id.</param>
/// <param name="Reason">Why the payment was rejected.</param>
/// <param name="PortalStatus">Raw status reported by the portal, when there was one.</param>
public sealed record PaymentRejected(Guid PaymentId, string TransactionId, string Reason, string? PortalStatus);
