namespace Payments.Consumer;

// Reconciler: event ids 1400-1499.
internal static partial class Log
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning,
        Message = "Reconciler handed back {Expired} intents past their deadline and {Overdue} verifications nobody reported on")]
    public static partial void Reconciled(ILogger logger, int expired, int overdue);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Reconciler pass failed; the next pass tries again")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);
}
