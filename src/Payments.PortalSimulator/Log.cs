namespace Payments.PortalSimulator;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Registered transaction {TransactionId}: final status {FinalStatus}, {PendingPolls} pending polls, {HashMissingPolls} polls without hash, {NotFoundPolls} polls not found first")]
    public static partial void TransactionRegistered(ILogger logger, string transactionId, string finalStatus, int pendingPolls, int hashMissingPolls, int notFoundPolls);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Fault mode set to {Mode}")]
    public static partial void FaultModeChanged(ILogger logger, string mode);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Simulator state reset")]
    public static partial void StateReset(ILogger logger);
}
