namespace Payments.Contracts;

/// <summary>Event published by the API's admin routes; every consumer instance applies it to its breaker of that name.</summary>
/// <param name="Name">Breaker name.</param>
/// <param name="Action">What to do with it.</param>
public sealed record ControlCircuitBreaker(string Name, CircuitBreakerAction Action);

/// <summary>An operator's action on a breaker.</summary>
public enum CircuitBreakerAction
{
    /// <summary>Back to CLOSED; totals are kept.</summary>
    Reset,

    /// <summary>Held OPEN until reset.</summary>
    Isolate,
}
