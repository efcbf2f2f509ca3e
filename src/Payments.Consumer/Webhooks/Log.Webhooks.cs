namespace Payments.Consumer;

// Webhooks: event ids 1500-1599. Event ids, clients, types and outcomes only; never a body, a secret or an endpoint's answer.
internal static partial class Log
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Debug,
        Message = "Webhook {EventId} ({Type}) delivered to client {Client} on attempt {Attempt}: {StatusCode}")]
    public static partial void WebhookDelivered(ILogger logger, Guid eventId, string type, string client, int attempt, int statusCode);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning,
        Message = "Webhook {EventId} ({Type}) to client {Client} failed on attempt {Attempt} ({Error}); next attempt in {Delay}")]
    public static partial void WebhookAttemptFailed(ILogger logger, Guid eventId, string type, string client, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Error,
        Message = "Webhook {EventId} ({Type}) to client {Client} undelivered after {Attempts} attempts ({Error}); an operator can re-send it")]
    public static partial void WebhookUndelivered(ILogger logger, Guid eventId, string type, string client, int attempts, string error);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Debug,
        Message = "Webhook {EventId} to client {Client} deferred for {Delay}: {Reason}")]
    public static partial void WebhookDeferred(ILogger logger, Guid eventId, string client, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Debug,
        Message = "Webhook command for {EventId} (dispatch {Dispatch}) is a duplicate or outdated: nothing to do")]
    public static partial void WebhookCommandStale(ILogger logger, Guid eventId, int dispatch);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Warning,
        Message = "Webhook sweep sent {Count} overdue events again (their commands were lost)")]
    public static partial void WebhookSweepResent(ILogger logger, int count);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Error, Message = "Webhook sweep failed; the next sweep tries again")]
    public static partial void WebhookSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1507, Level = LogLevel.Warning, Message = "Webhook {EventId} re-sent by an operator")]
    public static partial void WebhookResent(ILogger logger, Guid eventId);

    [LoggerMessage(EventId = 1508, Level = LogLevel.Warning, Message = "Re-send of webhook {EventId} asked, but no such event is stored")]
    public static partial void WebhookResendUnknown(ILogger logger, Guid eventId);

    [LoggerMessage(EventId = 1509, Level = LogLevel.Warning,
        Message = "First attempt of webhook {EventId} failed in this process; it goes to the delivery queue")]
    public static partial void WebhookFirstAttemptFailed(ILogger logger, Guid eventId, Exception exception);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Error,
        Message = "Webhook {EventId} could not be handed to the delivery queue; the sweep sends it once it is overdue")]
    public static partial void WebhookHandOverFailed(ILogger logger, Guid eventId, Exception exception);
}
