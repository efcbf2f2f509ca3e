namespace Payments.Contracts;

/// <summary>One state change of a breaker.</summary>
/// <param name="From">State before: <c>CLOSED</c>, <c>OPEN</c> or <c>HALF_OPEN</c>.</param>
/// <param name="To">State after.</param>
/// <param name="At">When it happened.</param>
public sealed record CircuitBreakerTransition(string From, string To, DateTimeOffset At);
