namespace Payments.Contracts;

/// <summary>
/// Event: the portal circuit is open, so the check was not made; the command is re-sent to its queue after
/// <paramref name="RetryAfter"/>. No portal call and no retry were consumed.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">The MiniKit transaction id.</param>
/// <param name="CircuitBreaker">Name of the open breaker.</param>
/// <param name="Deferrals">How many times this command has been deferred, this one included.</param>
/// <param name="RetryAfter">Delay before the command is delivered again.</param>
public sealed record PaymentVerificationDeferred(
    Guid PaymentId,
    string TransactionId,
    string CircuitBreaker,
    int Deferrals,
    TimeSpan RetryAfter);
