namespace Payments.Api;

/// <summary>Every log line of the API, with fixed event ids. Ids and statuses only: never bodies or keys.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Payment {Reference} initiated for client {Client}")]
    public static partial void PaymentInitiated(ILogger logger, string reference, string client);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Payment {Reference} of client {Client} not confirmed by the saga in time ({Reason}); answering 503")]
    public static partial void InitiationUnavailable(ILogger logger, string reference, string client, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Payment {Reference} of client {Client}: transaction {TransactionId} submitted (repeat: {Repeat}, after expiry: {Late})")]
    public static partial void TransactionSubmitted(ILogger logger, string reference, string client, string transactionId, bool repeat, bool late);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Payment {Reference} of client {Client}: transaction submission refused in status {Status}")]
    public static partial void TransactionConflict(ILogger logger, string reference, string client, string status);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Request to {Path} rejected: missing or invalid {Header}")]
    public static partial void KeyRejected(ILogger logger, string path, string header);
}
