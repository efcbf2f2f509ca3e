namespace Payments.Contracts;

/// <summary>
/// Event: the transaction neither confirms nor fails the intent on its own; an operator decides. Either the money reached the
/// recipient but does not match (amount or token), or the portal's answer never became final within the pending budget.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">The MiniKit transaction id.</param>
/// <param name="ReviewReason">One of <see cref="ReviewReasons"/>.</param>
/// <param name="Reason">The human reason, e.g. <c>underpaid: expected 1500000, got 1499999 (base units)</c>.</param>
/// <param name="PortalStatus">Raw status reported by the portal, when there was one.</param>
/// <param name="TransactionHash">On-chain hash, when the portal reported a valid one.</param>
public sealed record PaymentNeedsReview(
    Guid PaymentId,
    string TransactionId,
    string ReviewReason,
    string Reason,
    string? PortalStatus,
    string? TransactionHash);
