using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure;

// Persistence part of the project's Log class; event ids 3000-3099 belong to persistence.
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Database schema is up to date")]
    public static partial void DatabaseUpToDate(ILogger logger);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Applied {Count} database migration(s); now at {Migration}")]
    public static partial void MigrationsApplied(ILogger logger, int count, string migration);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Saga {CorrelationId} could not take transaction id {TransactionId}: another saga holds it")]
    public static partial void TransactionAlreadyClaimed(ILogger logger, Guid correlationId, string? transactionId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "PostgreSQL is not reachable yet; the start-up migration will try again")]
    public static partial void DatabaseUnreachableAtStartup(ILogger logger, Exception exception);
}
