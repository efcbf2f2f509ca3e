namespace Payments.Contracts;

/// <summary>
/// Event: a check failed for a real reason (portal error, timeout, unreadable answer) and the command will be redelivered
/// after <paramref name="NextAttemptIn"/>. It tells the saga that the verification chain is alive and why it is slow.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">The MiniKit transaction id.</param>
/// <param name="Attempt">Which redelivery comes next (1 for the first).</param>
/// <param name="Error">A short reason without host names or exception text, e.g. <c>portal answered 503</c>.</param>
/// <param name="NextAttemptIn">Delay before the redelivery.</param>
public sealed record PaymentVerificationRetrying(
    Guid PaymentId,
    string TransactionId,
    int Attempt,
    string Error,
    TimeSpan NextAttemptIn);
