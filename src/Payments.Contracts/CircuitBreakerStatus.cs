namespace Payments.Contracts;

/// <summary>One breaker's state and statistics as a consumer instance reports it.</summary>
/// <param name="Name">Breaker name, e.g. <c>DeveloperPortal</c>.</param>
/// <param name="State"><c>CLOSED</c>, <c>OPEN</c> or <c>HALF_OPEN</c>.</param>
/// <param name="Failures">Consecutive failures counted in the current state.</param>
/// <param name="Successes">Consecutive half-open successes.</param>
/// <param name="LastFailureTime">When the last failure was recorded.</param>
/// <param name="LastStateChange">When the state last changed.</param>
/// <param name="OpenedAt">When the circuit last opened, while it is not closed.</param>
/// <param name="TotalAttempts">Calls let through since start (rejections excluded).</param>
/// <param name="TotalFailures">Calls that failed since start.</param>
/// <param name="TotalSuccesses">Calls that succeeded since start.</param>
/// <param name="TotalRejected">Calls rejected without running since start.</param>
/// <param name="RetryAfterSeconds">While open: seconds until a probe may run.</param>
/// <param name="Transitions">The most recent state changes, oldest first (a short phase between two reports still shows).</param>
public sealed record CircuitBreakerStatus(
    string Name,
    string State,
    int Failures,
    int Successes,
    DateTimeOffset? LastFailureTime,
    DateTimeOffset LastStateChange,
    DateTimeOffset? OpenedAt,
    long TotalAttempts,
    long TotalFailures,
    long TotalSuccesses,
    long TotalRejected,
    double? RetryAfterSeconds,
    IReadOnlyList<CircuitBreakerTransition> Transitions)
{
    /// <summary>For a breaker the fleet shares: this instance's view of the fleet; null for a breaker of its own.</summary>
    public CircuitBreakerFleetView? Fleet { get; init; }

    /// <summary>The peer instance whose announcement holds this breaker open; null while it is open on its own evidence.</summary>
    public string? HeldBy { get; init; }

    /// <summary>The receive endpoints this instance has paused while the breaker is open (<c>verify-payment</c>).</summary>
    public IReadOnlyList<string> PausedEndpoints { get; init; } = [];
}
