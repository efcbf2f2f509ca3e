using MassTransit;

namespace Payments.Infrastructure.Persistence.SagaRepository;

/// <summary>How the PostgreSQL saga repository of <typeparamref name="TSaga"/> reads its rows.</summary>
/// <typeparam name="TSaga">The saga whose repository this configures.</typeparam>
public sealed class PostgresSagaRepositoryOptions<TSaga>
    where TSaga : class, ISaga
{
    /// <summary>
    /// Message types that usually create their saga: a step for one takes the correlation-id lock before its first read,
    /// so a missing row is read once rather than read, locked and read again. Any other message takes the lock only after
    /// finding no row. Either order is safe; this one saves a statement where the row is expected to be missing.
    /// </summary>
    public ISet<Type> CreatingMessages { get; } = new HashSet<Type>();

    /// <summary>Adds <typeparamref name="TMessage"/> to <see cref="CreatingMessages"/>.</summary>
    public PostgresSagaRepositoryOptions<TSaga> Creates<TMessage>()
        where TMessage : class
    {
        CreatingMessages.Add(typeof(TMessage));
        return this;
    }
}
