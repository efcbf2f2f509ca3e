namespace Payments.Api;

/// <summary>Every log line of the API, with fixed event ids. Ids and statuses only: never bodies or keys.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Payment {Reference} initiated")]
    public static partial void PaymentInitiated(ILogger logger, string reference);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Payment {Reference} not confirmed by the saga in time ({Reason}); answering 503")]
    public static partial void InitiationUnavailable(ILogger logger, string reference, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Payment {Reference} transaction {TransactionId} submitted (repeat: {Repeat}, after expiry: {Late})")]
    public static partial void TransactionSubmitted(ILogger logger, string reference, string transactionId, bool repeat, bool late);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Payment {Reference} transaction submission refused in status {Status}")]
    public static partial void TransactionConflict(ILogger logger, string reference, string status);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Request to {Path} rejected: missing or invalid {Header}")]
    public static partial void KeyRejected(ILogger logger, string path, string header);
}
