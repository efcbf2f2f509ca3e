using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;
using Payments.Infrastructure.Persistence;
using Payments.Infrastructure.Persistence.SagaRepository;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

public sealed class SagaRepositoryRegistrationTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    public static TheoryData<string> Styles => ["PostgresRepository", "Repository(UsePostgres)", "SetPostgresSagaRepositoryProvider", "TestHarness"];

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Every_registration_style_wires_our_repository_for_messages_load_and_query(string style)
    {
        var id = Guid.NewGuid();
        await using (var db = fixture.Database.CreateDbContext())
        {
            var now = DateTimeOffset.UnixEpoch;
            db.Payments.Add(new PaymentState
            {
                CorrelationId = id,
                CurrentState = "Open",
                Reference = id.ToString("N"),
                UserId = "u",
                Recipient = "0x" + new string('c', 40),
                Token = "WLD",
                Amount = "1",
                TransactionId = TransactionIdOf(id),
                CreatedAt = now,
                UpdatedAt = now,
                ExpiresAt = now,
            });
            await db.SaveChangesAsync();
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPaymentsPersistence(fixture.Database.Configuration());
        void Configure(IBusRegistrationConfigurator x)
        {
            switch (style)
            {
                case "PostgresRepository":
                    x.AddSagaStateMachine<CounterStateMachine, PaymentState>().PostgresRepository();
                    break;
                case "Repository(UsePostgres)":
                    x.AddSagaStateMachine<CounterStateMachine, PaymentState>().Repository(r => r.UsePostgres());
                    break;
                case "SetPostgresSagaRepositoryProvider":
                    x.SetPostgresSagaRepositoryProvider();
                    x.AddSagaStateMachine(typeof(CounterStateMachine));
                    break;
                default:
                    x.AddSagaStateMachine<CounterStateMachine, PaymentState>().PostgresRepository();
                    break;
            }

            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        }

        if (style == "TestHarness")
        {
            services.AddMassTransitTestHarness(Configure);
        }
        else
        {
            services.AddMassTransit(Configure);
        }

        await using var provider = services.BuildServiceProvider(true);
        await using var scope = provider.CreateAsyncScope();

        scope.ServiceProvider.GetRequiredService<ISagaRepositoryContextFactory<PaymentState>>()
            .ShouldBeOfType<PostgresSagaRepositoryContextFactory<PaymentState>>();
        (await provider.GetRequiredService<ILoadSagaRepository<PaymentState>>().Load(id)).Reference.ShouldBe(id.ToString("N"));
        var transactionId = TransactionIdOf(id);
        (await provider.GetRequiredService<IQuerySagaRepository<PaymentState>>()
            .Find(new SagaQuery<PaymentState>(x => x.TransactionId == transactionId))).ShouldBe([id]);
    }

    private static string TransactionIdOf(Guid id) => "0x" + id.ToString("N") + id.ToString("N");
}
