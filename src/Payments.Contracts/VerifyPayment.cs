namespace Payments.Contracts;

/// <summary>
/// Command from the saga to the verification consumer: check one transaction against the Developer Portal
/// and compare it with what the intent expects.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="Reference">Expected payment reference (32 lower-case hex digits).</param>
/// <param name="TransactionId">MiniKit transaction id to look up.</param>
/// <param name="Recipient">Expected recipient address (compared case-insensitively).</param>
/// <param name="Token">Expected token symbol.</param>
/// <param name="Amount">Expected amount in token base units (decimal string, compared exactly).</param>
/// <param name="FirstCheckedAt">
/// When the portal first answered for this transaction (null before the first answer): the not-found grace and the pending
/// budget count from it.
/// </param>
public sealed record VerifyPayment(
    Guid PaymentId,
    string Reference,
    string TransactionId,
    string Recipient,
    string Token,
    string Amount,
    DateTimeOffset? FirstCheckedAt = null);
