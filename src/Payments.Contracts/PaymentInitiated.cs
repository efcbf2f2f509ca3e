namespace Payments.Contracts;

/// <summary>Reply to <see cref="InitiatePayment"/>: the intent is stored and awaits its transaction.</summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="Reference">Public reference: the 32 lower-case hex digits of <paramref name="PaymentId"/>.</param>
/// <param name="Status">The intent's status after initiation (<c>AwaitingTransaction</c>).</param>
/// <param name="ExpiresAt">When the intent expires if no transaction is submitted.</param>
public sealed record PaymentInitiated(Guid PaymentId, string Reference, string Status, DateTimeOffset ExpiresAt);
