namespace Payments.CircuitBreaker;

/// <summary>Why a breaker changed state, as carried by <see cref="CircuitStateChange.Reason"/>.</summary>
public enum CircuitChangeReason
{
    /// <summary>CLOSED to OPEN: <see cref="CircuitBreakerOptions.FailureThreshold"/> consecutive failures were counted.</summary>
    Failures,

    /// <summary>
    /// HALF_OPEN to OPEN: a probe failed. Also the reason when the late failure of a probe that outlived its
    /// <see cref="CircuitBreakerOptions.ProbeTimeout"/> re-opens the circuit.
    /// </summary>
    ProbeFailed,

    /// <summary>HALF_OPEN to CLOSED: <see cref="CircuitBreakerOptions.SuccessThreshold"/> consecutive probes succeeded.</summary>
    ProbesSucceeded,

    /// <summary>OPEN to HALF_OPEN: the first call after the open window ended was let through as a probe.</summary>
    OpenWindowEnded,

    /// <summary>To CLOSED through <see cref="CircuitBreaker.Reset"/>.</summary>
    Reset,

    /// <summary>To OPEN, held until reset, through <see cref="CircuitBreaker.Isolate"/>.</summary>
    Isolated,

    /// <summary>
    /// To OPEN on outside evidence (for example a peer instance saw the failures) through <see cref="CircuitBreaker.HoldOpen"/>.
    /// </summary>
    Held,
}
