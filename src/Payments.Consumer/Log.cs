namespace Payments.Consumer;

// Portal client: event ids 1000-1099. Transaction ids, outcomes and reasons only; never the API key or a response body.
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug,
        Message = "Developer Portal answered for transaction {TransactionId}: {Outcome} in {ElapsedMs} ms")]
    public static partial void PortalAnswered(ILogger logger, string transactionId, string outcome, double elapsedMs);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug,
        Message = "Developer Portal not called for transaction {TransactionId}: circuit {CircuitBreaker} open, retry in {RetryAfter}")]
    public static partial void PortalCircuitOpen(ILogger logger, string transactionId, string circuitBreaker, TimeSpan retryAfter);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Developer Portal request for transaction {TransactionId} failed after {ElapsedMs} ms (status {StatusCode}): {Reason}")]
    public static partial void PortalRequestFailed(ILogger logger, string transactionId, int? statusCode, string reason, double elapsedMs);
}
