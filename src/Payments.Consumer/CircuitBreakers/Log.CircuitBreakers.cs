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
}
