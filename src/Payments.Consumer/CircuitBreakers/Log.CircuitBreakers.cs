using Payments.Contracts;

namespace Payments.Consumer;

internal static partial class Log
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Publishing the circuit breaker report failed")]
    public static partial void BreakerReportFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Operator action {Action} on circuit breaker {Name} applied")]
    public static partial void BreakerControlled(ILogger logger, string name, CircuitBreakerAction action);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Operator action {Action} names circuit breaker {Name}, which this instance does not have")]
    public static partial void BreakerControlUnknown(ILogger logger, string name, CircuitBreakerAction action);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "Circuit breaker {Name}: announced {State} to the fleet ({Cause}), prober {Prober}")]
    public static partial void FleetViewAnnounced(ILogger logger, string name, string state, string cause, string? prober);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Information, Message = "Circuit breaker {Name}: {Source} announced {State} ({Cause}), prober {Prober}; followed: {Followed}")]
    public static partial void FleetViewAccepted(ILogger logger, string name, string state, string source, string cause, string? prober, bool followed);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} paused: circuit breaker {Name} is open")]
    public static partial void EndpointPaused(ILogger logger, string endpoint, string name);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Information, Message = "Endpoint {Endpoint} resumed: circuit breaker {Name} lets calls through")]
    public static partial void EndpointResumed(ILogger logger, string endpoint, string name);

    [LoggerMessage(EventId = 1307, Level = LogLevel.Warning, Message = "Pausing or resuming endpoint {Endpoint} failed; trying again")]
    public static partial void EndpointPauseFailed(ILogger logger, string endpoint, Exception exception);
}
