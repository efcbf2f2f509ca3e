using System.Text.Json.Serialization;

namespace Payments.CircuitBreaker;

/// <summary>The state of a circuit breaker. Rendered as <c>CLOSED</c>, <c>OPEN</c> and <c>HALF_OPEN</c> in logs and JSON.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitState>))]
public enum CircuitState
{
    /// <summary>Calls flow; consecutive failures are counted.</summary>
    [JsonStringEnumMemberName("CLOSED")]
    Closed,

    /// <summary>Calls are rejected until the open timeout has elapsed (or, when isolated, until reset).</summary>
    [JsonStringEnumMemberName("OPEN")]
    Open,

    /// <summary>A bounded number of probe calls are let through to test the dependency.</summary>
    [JsonStringEnumMemberName("HALF_OPEN")]
    HalfOpen,
}

/// <summary>Display helpers for <see cref="CircuitState"/>.</summary>
public static class CircuitStateExtensions
{
    /// <summary>Returns <c>CLOSED</c>, <c>OPEN</c> or <c>HALF_OPEN</c>.</summary>
    public static string ToDisplayString(this CircuitState state) => state switch
    {
        CircuitState.Closed => "CLOSED",
        CircuitState.Open => "OPEN",
        CircuitState.HalfOpen => "HALF_OPEN",
        _ => state.ToString(),
    };

    /// <summary>Returns <c>closed</c>, <c>open</c> or <c>half_open</c>, the form used in metric tags.</summary>
    public static string ToTagValue(this CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        _ => state.ToString(),
    };
}
