using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Payments.Infrastructure.Persistence.SagaRepository;

/// <summary>The two statements EF Core cannot express: the per-saga lock and the row lock, built from the EF model.</summary>
internal static class SagaSql<TSaga>
    where TSaga : class, ISaga
{
    private static string? _selectForUpdate;

    /// <summary>
    /// <c>SELECT * FROM table WHERE key = {0} FOR UPDATE</c>: the row stays locked until the transaction ends, so events for
    /// one saga are applied one after the other, each on the state the previous one committed.
    /// </summary>
    public static string SelectForUpdate(DbContext db)
    {
        return _selectForUpdate ??= Build(db);

        static string Build(DbContext db)
        {
            var entity = db.Model.FindEntityType(typeof(TSaga))
                ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped in {db.GetType().Name}.");
            var table = entity.GetTableName()
                ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped to a table.");
            var schema = entity.GetSchema();
            var key = entity.FindPrimaryKey()?.Properties.Single()
                ?? throw new InvalidOperationException($"{typeof(TSaga).Name} needs a single-column primary key.");
            var keyColumn = key.GetColumnName(StoreObjectIdentifier.Table(table, schema))
                ?? throw new InvalidOperationException($"{typeof(TSaga).Name}.{key.Name} has no column.");

            var sql = db.GetService<ISqlGenerationHelper>();
            return $"SELECT * FROM {sql.DelimitIdentifier(table, schema)} WHERE {sql.DelimitIdentifier(keyColumn)} = {{0}} FOR UPDATE";
        }
    }

    /// <summary>
    /// A transaction-scoped advisory lock on the correlation id. FOR UPDATE locks nothing while the row does not exist yet,
    /// so two first events of one saga would both see "missing" and both insert; this lock makes the second one wait
    /// until the first has committed, after which it finds the row.
    /// </summary>
    public static Task LockCorrelationId(DbContext db, Guid correlationId, CancellationToken cancellationToken)
    {
        var key = AdvisoryKey(correlationId);
        return db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", cancellationToken);
    }

    // Advisory locks take a 64-bit key; two ids folding onto the same key only wait for each other, they never corrupt.
    internal static long AdvisoryKey(Guid correlationId)
    {
        Span<byte> bytes = stackalloc byte[16];
        correlationId.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]);
    }
}
