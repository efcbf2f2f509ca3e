using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure;

// The project's one Log class; messaging owns event ids 2100-2199. No accessibility modifier, so that it agrees with
// whatever the other parts of this partial class declare.
static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Broker delay levels declared: {LevelCount} levels in virtual host {VirtualHost}")]
    public static partial void DelayLevelsDeclared(ILogger logger, int levelCount, string virtualHost);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Broker delay levels could not be declared at start-up; the first scheduled message will try again")]
    public static partial void DelayLevelsNotDeclaredYet(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Broker delay bound to destination {Destination} through its {BoundTo}")]
    public static partial void DelayDestinationBound(ILogger logger, string destination, string boundTo);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Debug, Message = "Scheduled {TokenId} in {DelaySeconds} s to {Destination}, entering at level {FirstLevel}")]
    public static partial void DelayScheduled(ILogger logger, Guid tokenId, long delaySeconds, string destination, int firstLevel);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "Cancel of scheduled message {TokenId} ignored: broker delays cannot be withdrawn")]
    public static partial void DelayCancelIgnored(ILogger logger, Guid tokenId);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Receive endpoint {InputAddress} could not be bound as a delay destination; the next message scheduled to it tries again")]
    public static partial void DelayEndpointNotBound(ILogger logger, Uri inputAddress, Exception exception);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "Message from exchange {Exchange} claims the types {MessageTypes}, not the exchange's; skipped on {InputAddress}")]
    public static partial void MessageTypeNotOfItsExchange(ILogger logger, string exchange, string messageTypes, Uri inputAddress);
}
