using MassTransit;
using MassTransit.Configuration;
using Microsoft.EntityFrameworkCore;
using Payments.Infrastructure.Persistence.SagaRepository;

namespace Payments.Infrastructure.Persistence;

/// <summary>
/// Registers our PostgreSQL saga repository (see <see cref="PostgresSagaRepositoryContextFactory{TSaga}"/>) for a saga mapped
/// in <see cref="PaymentsDbContext"/>. Requires <see cref="PersistenceExtensions.AddPaymentsPersistence"/>.
/// </summary>
/// <remarks>
/// Three equivalent entry points, all on MassTransit's public registration extension points:
/// <code>
/// x.AddSagaStateMachine&lt;PaymentStateMachine, PaymentState&gt;().PostgresRepository();
/// x.AddSagaStateMachine&lt;PaymentStateMachine, PaymentState&gt;((context, saga) => ...).PostgresRepository();
/// x.AddSagaStateMachine&lt;PaymentStateMachine, PaymentState&gt;().Repository(r => r.UsePostgres());
/// x.SetPostgresSagaRepositoryProvider(); // for sagas added without a generic call (by type or by assembly scan)
/// </code>
/// Every AddSagaStateMachine overload returns the <see cref="ISagaRegistrationConfigurator{TSaga}"/> these extend; an explicit
/// repository also survives <c>AddMassTransitTestHarness</c>.
/// </remarks>
public static class PostgresSagaRepositoryRegistrationExtensions
{
    public static ISagaRegistrationConfigurator<TSaga> PostgresRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga =>
        configurator.Repository(repository => repository.UsePostgres());

    public static void UsePostgres<TSaga>(this ISagaRepositoryRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga
    {
        configurator.RegisterLoadSagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga>>();
        configurator.RegisterQuerySagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga>>();
        configurator.RegisterSagaRepository<TSaga, DbContext, PostgresSagaConsumeContextFactory<TSaga>,
            PostgresSagaRepositoryContextFactory<TSaga>>();
    }

    public static void SetPostgresSagaRepositoryProvider(this IRegistrationConfigurator configurator) =>
        configurator.SetSagaRepositoryProvider(new PostgresSagaRepositoryRegistrationProvider());

    private sealed class PostgresSagaRepositoryRegistrationProvider : ISagaRepositoryRegistrationProvider
    {
        public void Configure<TSaga>(ISagaRegistrationConfigurator<TSaga> configurator)
            where TSaga : class, ISaga =>
            configurator.PostgresRepository();
    }
}
