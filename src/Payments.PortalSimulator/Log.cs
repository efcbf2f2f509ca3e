namespace Payments.PortalSimulator;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Registered transaction {TransactionId}: final status {FinalStatus}, {PendingPolls} pending polls, {HashMissingPolls} polls without hash, {NotFoundPolls} polls not found first")]
    public static partial void TransactionRegistered(ILogger logger, string transactionId, string finalStatus, int pendingPolls, int hashMissingPolls, int notFoundPolls);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Fault mode set to {Mode}")]
    public static partial void FaultModeChanged(ILogger logger, string mode);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Simulator state reset")]
    public static partial void StateReset(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "No webhook secret is set (Simulator:WebhookSecrets or Simulator:WebhookSecret): every webhook delivery is recorded with an invalid signature and answered 400")]
    public static partial void NoWebhookSecret(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Webhook endpoint {Endpoint} fault mode set to {Mode} (status {Status}, delay {DelayMs} ms)")]
    public static partial void WebhookFaultModeChanged(ILogger logger, string endpoint, string mode, int status, int delayMs);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Webhook delivery {EventId} ({EventType}) to endpoint {Endpoint} answered {Status}; signature: {Signature}")]
    public static partial void WebhookReceived(ILogger logger, string? eventId, string? eventType, string endpoint, int status, string signature);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Webhook delivery to endpoint {Endpoint} refused: body over {MaxBytes} bytes")]
    public static partial void WebhookTooLarge(ILogger logger, string endpoint, int maxBytes);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Webhook records and faults cleared")]
    public static partial void WebhooksCleared(ILogger logger);
}
