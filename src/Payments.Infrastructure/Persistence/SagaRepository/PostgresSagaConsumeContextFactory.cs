using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Payments.Infrastructure.Persistence.SagaRepository;

/// <summary>
/// Hands the state machine a saga context that carries the message's <see cref="DbContext"/> as a payload, so that a step
/// can add rows of its own (a webhook event) to the transaction that saves the saga: both commit, or neither does.
/// </summary>
internal sealed class PostgresSagaConsumeContextFactory<TSaga> : ISagaConsumeContextFactory<DbContext, TSaga>
    where TSaga : class, ISaga
{
    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(
        DbContext context, ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        Task.FromResult<SagaConsumeContext<TSaga, T>>(new PostgresSagaConsumeContext<TSaga, T>(consumeContext, instance, context));
}

internal sealed class PostgresSagaConsumeContext<TSaga, TMessage>(ConsumeContext<TMessage> context, TSaga instance, DbContext db) :
    ConsumeContextScope<TMessage>(context, db),
    SagaConsumeContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
{
    public override Guid? CorrelationId => Saga.CorrelationId;

    public TSaga Saga { get; } = instance;

    public bool IsCompleted { get; private set; }

    public Task SetCompleted()
    {
        IsCompleted = true;
        return Task.CompletedTask;
    }
}
