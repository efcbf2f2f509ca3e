namespace Payments.Consumer;

// Verification consumer: event ids 1100-1199. Ids and states only; never the command or the portal answer as a whole.
internal static partial class Log
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug,
        Message = "Payment {PaymentId} verified: transaction {TransactionId} mined with hash {TransactionHash}")]
    public static partial void PaymentVerified(ILogger logger, Guid paymentId, string transactionId, string transactionHash);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Payment {PaymentId} rejected: transaction {TransactionId}: {Reason}")]
    public static partial void PaymentRejected(ILogger logger, Guid paymentId, string transactionId, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information,
        Message = "Payment {PaymentId} pending: transaction {TransactionId} is {PortalStatus}, check {PendingChecks}, next in {NextCheckIn}")]
    public static partial void PaymentVerificationPending(
        ILogger logger, Guid paymentId, string transactionId, string portalStatus, int pendingChecks, TimeSpan nextCheckIn);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Payment {PaymentId} deferred: circuit {CircuitBreaker} open, transaction {TransactionId}, deferral {Deferrals}, retry in {RetryAfter}")]
    public static partial void PaymentVerificationDeferred(
        ILogger logger, Guid paymentId, string transactionId, string circuitBreaker, int deferrals, TimeSpan retryAfter);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning,
        Message = "Payment {PaymentId} verification failed ({ErrorType}), transaction {TransactionId}, redelivery {RedeliveryCount}")]
    public static partial void PaymentVerificationFailed(
        ILogger logger, Exception exception, Guid paymentId, string transactionId, string errorType, int redeliveryCount);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning,
        Message = "Payment {PaymentId} needs review ({ReviewReason}): transaction {TransactionId}")]
    public static partial void PaymentNeedsReview(ILogger logger, Guid paymentId, string transactionId, string reviewReason);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Payment {PaymentId}: the retrying report for transaction {TransactionId} could not be published")]
    public static partial void RetryingReportFailed(ILogger logger, Exception exception, Guid paymentId, string transactionId);
}
