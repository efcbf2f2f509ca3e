using System.Data;
using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Infrastructure.Persistence.SagaRepository;

/// <summary>
/// MassTransit's saga repository extension point for PostgreSQL through EF Core: one DbContext and one transaction per
/// message, committed only when the saga pipe completed.
/// </summary>
/// <remarks>
/// Concurrency is pessimistic: <c>SELECT ... FOR UPDATE</c> on the row (READ COMMITTED) and, only where the row is not
/// there, a transaction-scoped advisory lock on the correlation id and the same read again (for a message that usually
/// creates its saga, <see cref="PostgresSagaRepositoryOptions{TSaga}.CreatingMessages"/>, the lock first and one read). Events of one saga arrive in bursts (a submission, a verification result, a deferral, a
/// retry) and optimistic concurrency would turn every burst into version conflicts and whole-message retries, each
/// re-running the state machine and its sends; waiting on a lock costs one round trip and never re-runs anything. The
/// advisory lock exists because FOR UPDATE locks nothing for a row that is not there yet: without it, two first events of
/// one saga would both insert and one would fail. A row that exists needs no more than its row lock, so a step on an
/// existing saga costs one statement to lock and read it. Locks are always taken one saga at a time, in ascending id order
/// for queries, so two messages cannot wait on each other. EF Core's automatic savepoint around SaveChanges is off: a
/// failed save fails the whole message, whose transaction is rolled back and retried anyway.
/// </remarks>
internal sealed class PostgresSagaRepositoryContextFactory<TSaga>(
    IDbContextFactory<PaymentsDbContext> dbContextFactory,
    ISagaConsumeContextFactory<DbContext, TSaga> consumeContextFactory,
    IOptions<PostgresSagaRepositoryOptions<TSaga>> options,
    ILogger<PostgresSagaRepositoryContextFactory<TSaga>> logger) :
    ISagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
{
    public void Probe(ProbeContext context)
    {
        context.Add("persistence", "postgresql");
        context.Add("concurrency", "pessimistic");
    }

    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var db = await dbContextFactory.CreateDbContextAsync(context.CancellationToken);
        await using var transaction = await BeginAsync(db, context.CancellationToken);

        var lockFirst = options.Value.CreatingMessages.Contains(typeof(T));
        var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T>(db, context, consumeContextFactory, logger, lockFirst);
        await next.Send(repositoryContext);

        // Disposing the transaction without a commit (any exception above) rolls back.
        await transaction.CommitAsync(context.CancellationToken);
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        await using var db = await dbContextFactory.CreateDbContextAsync(context.CancellationToken);
        await using var transaction = await BeginAsync(db, context.CancellationToken);

        var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T>(db, context, consumeContextFactory, logger, lockFirst: false);

        // FOR UPDATE cannot be composed onto an arbitrary LINQ filter, so: find the candidates without locks, lock them one
        // by one in a fixed order, and keep those that still match once locked (another message may have changed them).
        var candidates = await db.Set<TSaga>()
            .AsNoTracking()
            .Where(query.FilterExpression)
            .Select(x => x.CorrelationId)
            .ToListAsync(context.CancellationToken);
        candidates.Sort();

        var matches = query.FilterExpression.Compile();
        var instances = new List<TSaga>(candidates.Count);
        foreach (var correlationId in candidates)
        {
            var instance = await repositoryContext.LoadLocked(correlationId);
            if (instance is not null && matches(instance))
            {
                instances.Add(instance);
            }
        }

        await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));

        await transaction.CommitAsync(context.CancellationToken);
    }

    private static Task<IDbContextTransaction> BeginAsync(DbContext db, CancellationToken cancellationToken)
    {
        db.Database.AutoSavepointsEnabled = false;
        return db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
    }

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        ExecuteRead(asyncMethod, cancellationToken);

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        ExecuteRead(asyncMethod, cancellationToken);

    private async Task<T> ExecuteRead<T>(Func<PostgresSagaReadContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken)
    {
        await using var db = await dbContextFactory.CreateDbContextAsync(cancellationToken);
        return await asyncMethod(new PostgresSagaReadContext<TSaga>(db, cancellationToken));
    }
}
