namespace Payments.Consumer;

// Payment saga: event ids 1200-1299. References, transaction ids and states only.
internal static partial class Log
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug,
        Message = "Payment {Reference} initiated, expires at {ExpiresAt}")]
    public static partial void SagaInitiated(ILogger logger, string reference, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug,
        Message = "Payment {Reference} verifying transaction {TransactionId} (submitted after expiry: {SubmittedAfterExpiry})")]
    public static partial void SagaVerificationRequested(ILogger logger, string reference, string transactionId, bool submittedAfterExpiry);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information,
        Message = "Payment {Reference} resubmitted transaction {TransactionId}: its verification was overdue, requested again")]
    public static partial void SagaVerificationRequestedAgain(ILogger logger, string reference, string transactionId);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning,
        Message = "Payment {Reference} is verifying another transaction: submission of {TransactionId} ignored")]
    public static partial void SagaOtherTransactionIgnored(ILogger logger, string reference, string transactionId);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning,
        Message = "Payment {Reference} failed: transaction {TransactionId} already used by another payment")]
    public static partial void SagaTransactionAlreadyUsed(ILogger logger, string reference, string transactionId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Debug,
        Message = "Payment {Reference} confirmed")]
    public static partial void SagaConfirmed(ILogger logger, string reference);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Information,
        Message = "Payment {Reference} failed: {Reason}")]
    public static partial void SagaRejected(ILogger logger, string reference, string reason);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information,
        Message = "Payment {Reference} expired without a transaction")]
    public static partial void SagaExpired(ILogger logger, string reference);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Warning,
        Message = "Payment {Reference} needs review: {ReviewReason}")]
    public static partial void SagaNeedsReview(ILogger logger, string reference, string reviewReason);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Debug,
        Message = "Payment {Reference} in state {State} ignored event {Event}")]
    public static partial void SagaEventIgnored(ILogger logger, string reference, string state, string @event);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Debug,
        Message = "Payment {Reference} resubmitted transaction {TransactionId}: its verification is under way, nothing re-sent")]
    public static partial void SagaResubmissionWhileActive(ILogger logger, string reference, string transactionId);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning,
        Message = "Payment {Reference}: nobody reported on transaction {TransactionId} past its due time, verification re-sent")]
    public static partial void SagaVerificationReconciled(ILogger logger, string reference, string transactionId);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Debug,
        Message = "Payment {Reference} in state {State} needed no reconciliation")]
    public static partial void SagaReconcileNotNeeded(ILogger logger, string reference, string state);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Warning,
        Message = "Payment {Reference} resolved by an operator ({Resolution}): now {State}")]
    public static partial void SagaResolved(ILogger logger, string reference, string resolution, string state);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Warning,
        Message = "Payment {Reference}: resolution {Resolution} refused ({Reason})")]
    public static partial void SagaResolutionRefused(ILogger logger, string reference, string resolution, string reason);
}
