namespace Payments.Api;

/// <summary>Every log line of the API, with fixed event ids. Ids and statuses only: never bodies or keys.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Payment {Reference} initiated for client {Client}")]
    public static partial void PaymentInitiated(ILogger logger, string reference, string client);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Payment {Reference} of client {Client} not confirmed by the saga in time ({Reason}); answering 503")]
    public static partial void InitiationUnavailable(ILogger logger, string reference, string client, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Payment {Reference} of client {Client}: transaction {TransactionId} submitted (repeat: {Repeat}, after expiry: {Late})")]
    public static partial void TransactionSubmitted(ILogger logger, string reference, string client, string transactionId, bool repeat, bool late);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Payment {Reference} of client {Client}: transaction submission refused in status {Status}")]
    public static partial void TransactionConflict(ILogger logger, string reference, string client, string status);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Payment {Reference} of client {Client}: the broker did not confirm the submission in time; answering 503")]
    public static partial void SubmissionUnavailable(ILogger logger, string reference, string client);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Request to {Path} rejected: missing or invalid {Header}")]
    public static partial void KeyRejected(ILogger logger, string path, string header);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Payment {Reference} of client {Client}: idempotency key replayed the first answer")]
    public static partial void IdempotentReplay(ILogger logger, string reference, string client);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Client {Client} reused an idempotency key with a different request; answering 422")]
    public static partial void IdempotencyKeyMismatch(ILogger logger, string client);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Idempotency store unavailable ({Reason}); answering 503")]
    public static partial void IdempotencyStoreUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Deleted {Count} forgotten idempotency keys")]
    public static partial void IdempotencyKeysSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Sweeping forgotten idempotency keys failed ({Reason}); trying again at the next interval")]
    public static partial void IdempotencySweepFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Client {Client} throttled on {Path}; retry after {RetryAfterSeconds} s")]
    public static partial void ClientThrottled(ILogger logger, string client, string path, int retryAfterSeconds);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Re-send of webhook event {EventId} requested by an operator")]
    public static partial void WebhookResendRequested(ILogger logger, Guid eventId);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Payment {Reference} of client {Client} resolved by an operator: {Resolution}, now {Status}")]
    public static partial void PaymentResolved(ILogger logger, string reference, string client, string resolution, string status);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Payment {Reference} of client {Client}: resolution {Resolution} refused by the {RefusedBy} in status {Status}")]
    public static partial void ResolutionRefused(ILogger logger, string reference, string client, string resolution, string refusedBy, string status);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Payment {Reference} of client {Client}: resolution {Resolution} not answered by the saga in time ({Reason}); answering 503")]
    public static partial void ResolutionUnavailable(ILogger logger, string reference, string client, string resolution, string reason);
}
