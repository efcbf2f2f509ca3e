using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Infrastructure.Persistence;
using Payments.Infrastructure.Persistence.SagaRepository;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

/// <summary>
/// A real MassTransit bus (in-memory transport) running <see cref="CounterStateMachine"/> on our PostgreSQL repository,
/// with the endpoint retry the payment saga uses and a record of every fault that got past it.
/// </summary>
public sealed class SagaBus : IAsyncDisposable
{
    public const int ConcurrencyLimit = 8;

    /// <summary>Test classes running a saga bus run one at a time: each holds up to two connections per concurrent message.</summary>
    public const string Collection = "Saga bus on PostgreSQL";

    private readonly ServiceProvider _provider;
    private readonly IBusControl _bus;

    private SagaBus(ServiceProvider provider)
    {
        _provider = provider;
        _bus = provider.GetRequiredService<IBusControl>();
    }

    public FaultLog Faults => _provider.GetRequiredService<FaultLog>();

    public IServiceProvider Services => _provider;

    public IBus Bus => _bus;

    public static Task<SagaBus> StartAsync(
        PostgresDatabase database, bool retry = true, Action<ILoggingBuilder>? logging = null, bool lockFirstOnOpen = false) =>
        StartAsync<CounterStateMachine>(database, retry, logging, lockFirstOnOpen);

    /// <summary>
    /// Starts the bus; with <c>lockFirstOnOpen</c>, <see cref="OpenCounter"/> is declared a creating message, whose step takes
    /// the id lock before it reads.
    /// </summary>
    public static async Task<SagaBus> StartAsync<TStateMachine>(
        PostgresDatabase database, bool retry = true, Action<ILoggingBuilder>? logging = null, bool lockFirstOnOpen = false)
        where TStateMachine : class, SagaStateMachine<PaymentState>
    {
        var services = new ServiceCollection();
        if (lockFirstOnOpen)
        {
            services.Configure<PostgresSagaRepositoryOptions<PaymentState>>(options => options.Creates<OpenCounter>());
        }

        services.AddLogging(builder => logging?.Invoke(builder));
        services.AddSingleton<FaultLog>();
        services.AddPaymentsPersistence(database.Configuration());
        services.AddMassTransit(x =>
        {
            // The repository set on the configurator that AddSagaStateMachine(configure) returns, as the consumer host does.
            x.AddSagaStateMachine<TStateMachine, PaymentState>((_, saga) => saga.ConcurrentMessageLimit = ConcurrencyLimit)
                .PostgresRepository();
            x.AddConsumer<FaultRecorder>();

            x.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                endpoint.ConcurrentMessageLimit = ConcurrencyLimit;
                if (retry)
                {
                    endpoint.UseMessageRetry(r => r.Intervals(10, 20, 50, 100, 200, 500));
                }
            });
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });

        var provider = services.BuildServiceProvider(true);
        var bus = new SagaBus(provider);
        await bus._bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return bus;
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await _provider.DisposeAsync();
    }

    public sealed class FaultLog
    {
        public ConcurrentQueue<string> Entries { get; } = new();
    }

    private sealed class FaultRecorder(FaultLog log) :
        IConsumer<Fault<OpenCounter>>,
        IConsumer<Fault<BumpCounter>>,
        IConsumer<Fault<ClaimTransaction>>,
        IConsumer<Fault<ClaimTransactionBlindly>>,
        IConsumer<Fault<StoreTransaction>>,
        IConsumer<Fault<BumpByTransaction>>
    {
        public Task Consume(ConsumeContext<Fault<OpenCounter>> context) => Record(context.Message);

        public Task Consume(ConsumeContext<Fault<BumpCounter>> context) => Record(context.Message);

        public Task Consume(ConsumeContext<Fault<ClaimTransaction>> context) => Record(context.Message);

        public Task Consume(ConsumeContext<Fault<ClaimTransactionBlindly>> context) => Record(context.Message);

        public Task Consume(ConsumeContext<Fault<StoreTransaction>> context) => Record(context.Message);

        public Task Consume(ConsumeContext<Fault<BumpByTransaction>> context) => Record(context.Message);

        private Task Record<T>(Fault<T> fault)
        {
            var exception = fault.Exceptions.FirstOrDefault();
            log.Entries.Enqueue($"{typeof(T).Name}: {exception?.ExceptionType}: {exception?.Message}");
            return Task.CompletedTask;
        }
    }
}

/// <summary>Bounded waits on observable conditions.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, Func<bool>? abort = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline && abort?.Invoke() != true)
        {
            await Task.Delay(50);
            value = await read();
        }

        return value;
    }

    public static Task<long> CountAsync(this PostgresDatabase database, string whereClause) =>
        database.ScalarAsync<long>("SELECT count(*) FROM payments WHERE " + whereClause);

    public static string Literal(Guid id) => "'" + id + "'::uuid";
}
