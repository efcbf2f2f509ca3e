namespace Payments.CircuitBreaker;

/// <summary>A state change of a breaker, as delivered to <see cref="CircuitBreaker.StateChanged"/>.</summary>
/// <param name="Name">The breaker's name.</param>
/// <param name="From">The state before.</param>
/// <param name="To">The state after.</param>
/// <param name="At">When the change happened (from the breaker's <see cref="TimeProvider"/>).</param>
public sealed record CircuitStateChange(string Name, CircuitState From, CircuitState To, DateTimeOffset At)
{
    /// <summary>Why the state changed.</summary>
    public CircuitChangeReason Reason { get; init; }
}

/// <summary>A consistent snapshot of a breaker's state and counters.</summary>
/// <param name="Name">The breaker's name.</param>
/// <param name="State">The stored state (an expired OPEN stays OPEN until the next call asks).</param>
/// <param name="Failures">Consecutive failures counted in the current CLOSED period (kept while OPEN).</param>
/// <param name="Successes">Consecutive successful probes in HALF_OPEN.</param>
/// <param name="LastFailureTime">When the last counted failure happened; cleared by reset.</param>
/// <param name="LastStateChange">When the state last changed (or the breaker was created or reset).</param>
/// <param name="OpenedAt">When the circuit opened, while it is OPEN or HALF_OPEN; otherwise null.</param>
/// <param name="TotalAttempts">Calls let through (rejections are not attempts).</param>
/// <param name="TotalFailures">Completed calls classified as failures.</param>
/// <param name="TotalSuccesses">Completed calls classified as successes.</param>
/// <param name="TotalRejected">Calls rejected without running.</param>
/// <param name="RetryAfter">Time until a call may be let through: null when CLOSED, zero when a call would be admitted now.</param>
public sealed record CircuitBreakerStats(
    string Name,
    CircuitState State,
    int Failures,
    int Successes,
    DateTimeOffset? LastFailureTime,
    DateTimeOffset LastStateChange,
    DateTimeOffset? OpenedAt,
    long TotalAttempts,
    long TotalFailures,
    long TotalSuccesses,
    long TotalRejected,
    TimeSpan? RetryAfter)
{
    /// <summary>Completed calls classified as ignored.</summary>
    public long TotalIgnored { get; init; }

    /// <summary>True while the breaker is held OPEN by <see cref="CircuitBreaker.Isolate"/>.</summary>
    public bool Isolated { get; init; }

    /// <summary>
    /// While OPEN and not isolated, when the open window ends (from the breaker's <see cref="TimeProvider"/>; the time of the
    /// snapshot when it has already ended); otherwise null.
    /// </summary>
    public DateTimeOffset? OpenUntil { get; init; }
}

/// <summary>Thrown by <see cref="CircuitBreaker.ExecuteAsync{TResult}(Func{CancellationToken, ValueTask{TResult}}, CancellationToken)"/> when the call is rejected.</summary>
public sealed class CircuitBreakerOpenException : Exception
{
    /// <summary>Creates the exception for a rejection by breaker <paramref name="name"/>.</summary>
    public CircuitBreakerOpenException(string name, CircuitState state, TimeSpan retryAfter)
        : base($"Circuit breaker '{name}' is {state.ToDisplayString()} - service unavailable; retry after {retryAfter.TotalSeconds:0.###} s")
    {
        Name = name;
        State = state;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates an exception with a message only (no breaker information).</summary>
    public CircuitBreakerOpenException()
        : this(string.Empty, CircuitState.Open, TimeSpan.Zero)
    {
    }

    /// <summary>Creates an exception with a message only (no breaker information).</summary>
    public CircuitBreakerOpenException(string message)
        : base(message)
    {
        Name = string.Empty;
        State = CircuitState.Open;
    }

    /// <summary>Creates an exception with a message and inner exception (no breaker information).</summary>
    public CircuitBreakerOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
        Name = string.Empty;
        State = CircuitState.Open;
    }

    /// <summary>The rejecting breaker's name.</summary>
    public string Name { get; }

    /// <summary>The breaker's state at rejection: OPEN, or HALF_OPEN when all probe permits were taken.</summary>
    public CircuitState State { get; }

    /// <summary>Time until a call may be let through again.</summary>
    public TimeSpan RetryAfter { get; }
}
