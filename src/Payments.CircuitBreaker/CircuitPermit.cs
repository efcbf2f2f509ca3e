namespace Payments.CircuitBreaker;

/// <summary>
/// Permission to run one call, from <see cref="CircuitBreaker.TryAcquire"/>. Report the call's outcome with
/// <see cref="Complete(CallOutcome)"/> exactly once.
/// </summary>
/// <remarks>
/// A struct so the hot path allocates nothing. A second <c>Complete</c> of a half-open probe permit is ignored; a permit from an
/// older state generation (the state changed since it was acquired) only adds to the totals and never moves the state. A probe
/// completed after its <see cref="CircuitBreakerOptions.ProbeTimeout"/> has lost its permit: a failure still re-opens the circuit
/// while it is in the same half-open period (no state change since the probe started), a success only adds to the totals.
/// <c>default(CircuitPermit).Complete(...)</c> does nothing.
/// </remarks>
public readonly struct CircuitPermit
{
    private readonly CircuitBreaker? _breaker;

    internal CircuitPermit(CircuitBreaker breaker, long generation, long probeId, long startTimestamp)
    {
        _breaker = breaker;
        Generation = generation;
        ProbeId = probeId;
        StartTimestamp = startTimestamp;
    }

    internal long Generation { get; }

    /// <summary>Non-zero for a half-open probe.</summary>
    internal long ProbeId { get; }

    /// <summary>Zero when no duration is measured.</summary>
    internal long StartTimestamp { get; }

    /// <summary>True for a permit to run a half-open probe.</summary>
    public bool IsProbe => ProbeId != 0;

    /// <summary>Reports how the call went.</summary>
    public void Complete(CallOutcome outcome) => _breaker?.Complete(this, outcome, null);

    /// <summary>Reports how the call went; <paramref name="exception"/>'s type is recorded as the <c>error.type</c> metric tag.</summary>
    public void Complete(CallOutcome outcome, Exception? exception) => _breaker?.Complete(this, outcome, exception);
}
