namespace Payments.CircuitBreaker;

/// <summary>How a completed call counts for the breaker.</summary>
public enum CallOutcome
{
    /// <summary>The dependency worked: resets the failure count, counts towards closing a half-open circuit.</summary>
    Success,

    /// <summary>The dependency failed: counts towards opening the circuit; re-opens a half-open circuit.</summary>
    Failure,

    /// <summary>Says nothing about the dependency's health (for example a 404 or a cancelled call): moves no state.</summary>
    Ignored,
}
