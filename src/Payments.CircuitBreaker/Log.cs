using Microsoft.Extensions.Logging;

namespace Payments.CircuitBreaker;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "[CircuitBreaker:{Name}] State transition: {From} → {To}")]
    public static partial void CircuitOpened(ILogger logger, string name, string from, string to);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "[CircuitBreaker:{Name}] State transition: {From} → {To}")]
    public static partial void StateTransition(ILogger logger, string name, string from, string to);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "[CircuitBreaker:{Name}] A StateChanged handler failed")]
    public static partial void StateChangedHandlerFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "[CircuitBreaker:{Name}] Logging or recording a state change failed")]
    public static partial void PublishingFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "[CircuitBreaker:{Name}] Recording call metrics failed; later failures are not logged")]
    public static partial void CallMetricsFailed(ILogger logger, string name, Exception exception);
}
