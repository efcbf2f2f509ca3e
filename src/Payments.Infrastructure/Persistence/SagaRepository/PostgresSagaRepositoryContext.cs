using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure.Persistence.SagaRepository;

/// <summary>
/// One message's view of the saga table, inside the transaction the factory opened for that message. Every instance
/// it hands out was read under the correlation-id lock and <c>FOR UPDATE</c>, so the state machine works on the latest
/// committed state and nobody else changes it until the transaction ends.
/// </summary>
internal sealed class PostgresSagaRepositoryContext<TSaga, TMessage> :
    ConsumeContextScope<TMessage>,
    SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
{
    private readonly ConsumeContext<TMessage> _consumeContext;
    private readonly PaymentsDbContext _db;
    private readonly ISagaConsumeContextFactory<DbContext, TSaga> _factory;
    private readonly ILogger _logger;
    private readonly bool _lockFirst;

    // Correlation ids this transaction holds the advisory lock of (taken only for rows that were missing).
    private readonly HashSet<Guid> _lockedIds = [];

    public PostgresSagaRepositoryContext(PaymentsDbContext db, ConsumeContext<TMessage> consumeContext,
        ISagaConsumeContextFactory<DbContext, TSaga> factory, ILogger logger, bool lockFirst)
        : base(consumeContext, db)
    {
        _lockFirst = lockFirst;
        _db = db;
        _consumeContext = consumeContext;
        _factory = factory;
        _logger = logger;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_db, consumeContext, instance, mode);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance)
    {
        // A new instance will be inserted by Save at the end; the lock keeps a concurrent first event waiting until then.
        // After a Load that found nothing (MassTransit's path for an initial event) the lock is held already.
        await LockMissing(instance.CorrelationId);
        return await _factory.CreateSagaConsumeContext(_db, _consumeContext, instance, SagaConsumeContextMode.Add);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        if (await LoadLocked(instance.CorrelationId) is not null)
        {
            return null!;
        }

        var entry = _db.Set<TSaga>().Add(instance);
        try
        {
            // A savepoint around this INSERT only (saves go without one): on a failure PostgreSQL rolls back to it, so the
            // transaction is not left aborted for the Load that follows.
            _db.Database.AutoSavepointsEnabled = true;
            await _db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, out var constraint)
                                                   && constraint == PaymentStateConfiguration.PrimaryKeyName)
        {
            // Inserted meanwhile by a writer that does not take the correlation-id lock: treat as existing.
            entry.State = EntityState.Detached;
            return null!;
        }
        catch (DbUpdateException exception)
        {
            entry.State = EntityState.Detached;
            throw Translate(exception, instance);
        }
        finally
        {
            _db.Database.AutoSavepointsEnabled = false;
        }

        return await _factory.CreateSagaConsumeContext(_db, _consumeContext, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await LoadLocked(correlationId);
        return instance is null
            ? null!
            : await _factory.CreateSagaConsumeContext(_db, _consumeContext, instance, SagaConsumeContextMode.Load);
    }

    public async Task Save(SagaConsumeContext<TSaga> context)
    {
        _db.Set<TSaga>().Add(context.Saga);
        await SaveChanges(context.Saga);
    }

    public Task Update(SagaConsumeContext<TSaga> context) => SaveChanges(context.Saga);

    public async Task Delete(SagaConsumeContext<TSaga> context)
    {
        _db.Set<TSaga>().Remove(context.Saga);
        await SaveChanges(context.Saga);
    }

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        var entry = _db.Entry(context.Saga);
        if (entry.State != EntityState.Detached)
        {
            entry.State = EntityState.Unchanged;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads the row with <c>FOR UPDATE</c>, which holds it until the transaction ends: one round trip for a saga that
    /// exists. For one that does not (yet), FOR UPDATE locks nothing, so the correlation-id lock is taken and the row read
    /// again: a first event being stored concurrently has committed by then, and this read sees it. A message that usually
    /// creates its saga takes the correlation-id lock first and reads once.
    /// </summary>
    internal async Task<TSaga?> LoadLocked(Guid correlationId)
    {
        if (_lockFirst && await LockMissing(correlationId))
        {
            return await SelectForUpdate(correlationId);
        }

        return await SelectForUpdate(correlationId)
            ?? (await LockMissing(correlationId) ? await SelectForUpdate(correlationId) : null);
    }

    /// <summary>Takes the correlation-id lock unless this transaction holds it already; answers whether it took it now.</summary>
    private async Task<bool> LockMissing(Guid correlationId)
    {
        if (!_lockedIds.Add(correlationId))
        {
            return false;
        }

        await SagaSql<TSaga>.LockCorrelationId(_db, correlationId, CancellationToken);
        return true;
    }

    private async Task<TSaga?> SelectForUpdate(Guid correlationId)
    {
        var rows = await _db.Set<TSaga>()
            .FromSqlRaw(SagaSql<TSaga>.SelectForUpdate(_db), correlationId)
            .AsTracking()
            .ToListAsync(CancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task SaveChanges(TSaga saga)
    {
        try
        {
            await _db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException exception)
        {
            throw Translate(exception, saga);
        }
    }

    private Exception Translate(DbUpdateException exception, TSaga saga)
    {
        var translated = PostgresErrors.Translate(exception, saga);
        if (translated is TransactionAlreadyClaimedException claimed)
        {
            Log.TransactionAlreadyClaimed(_logger, claimed.CorrelationId, claimed.TransactionId);
        }

        return translated;
    }
}
