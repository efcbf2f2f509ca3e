using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Payments.Api.Idempotency;

/// <summary>
/// Deletes forgotten keys now and then, in small batches so that no statement holds many row locks. A forgotten key is
/// already treated as unused by a claim; the sweep only keeps the table small. Every API instance sweeps; they skip rows
/// another one has locked.
/// </summary>
internal sealed class IdempotencyKeySweeper(
    IDbContextFactory<IdempotencyDbContext> contexts,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencyKeySweeper> logger) : BackgroundService
{
    private const string Table = IdempotencyDbContext.QualifiedTableName;

    private const string SweepSql = $"""
        DELETE FROM {Table} WHERE ctid IN (
            SELECT ctid FROM {Table} WHERE expires_at < @now LIMIT @batch FOR UPDATE SKIP LOCKED)
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await SweepAsync(settings.SweepBatchSize, stoppingToken);
                if (deleted > 0)
                {
                    Log.IdempotencyKeysSwept(logger, deleted);
                }
            }
            catch (Exception exception) when (IdempotencyDbContext.IsUnreachable(exception))
            {
                // The database is away; the next tick tries again.
                Log.IdempotencySweepFailed(logger, exception.GetType().Name);
            }
        }
    }

    /// <summary>Deletes every key forgotten by now, batch by batch; returns how many.</summary>
    internal async Task<int> SweepAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        var total = 0;
        while (true)
        {
            await using var sweep = new NpgsqlCommand(SweepSql, connection);
            sweep.Parameters.AddWithValue("now", time.GetUtcNow());
            sweep.Parameters.AddWithValue("batch", batchSize);
            var deleted = await sweep.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
        }
    }
}
