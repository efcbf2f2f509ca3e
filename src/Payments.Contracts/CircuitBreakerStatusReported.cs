namespace Payments.Contracts;

/// <summary>
/// Event: a consumer instance reports its breakers, on every state change and as a heartbeat. Readers keep the latest report per
/// instance and forget an instance silent for three heartbeat intervals.
/// </summary>
/// <param name="Instance">The reporting consumer instance (host name and process id).</param>
/// <param name="ReportedAt">When the report was made.</param>
/// <param name="HeartbeatInterval">How often the instance reports when nothing changes.</param>
/// <param name="CircuitBreakers">Every breaker of the instance.</param>
public sealed record CircuitBreakerStatusReported(
    string Instance,
    DateTimeOffset ReportedAt,
    TimeSpan HeartbeatInterval,
    IReadOnlyList<CircuitBreakerStatus> CircuitBreakers);
