using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Payments.Infrastructure.Messaging;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed record DelayProbe(Guid Id, int DelaySeconds);

public sealed record RedeliveryProbe(Guid Id);

public sealed record Arrival(string Queue, Guid Id, Guid? MessageId, long Timestamp, int RedeliveryCount, IReadOnlyDictionary<string, object?> Headers)
{
    public TimeSpan ElapsedSince(long start) => Stopwatch.GetElapsedTime(start, Timestamp);
}

/// <summary>Everything the test consumers saw, with a bounded wait on it.</summary>
public sealed class ArrivalLog
{
    private readonly ConcurrentQueue<Arrival> _arrivals = new();

    public IReadOnlyList<Arrival> All => [.. _arrivals];

    public void Record(ConsumeContext context, string queue, Guid id)
    {
        var timestamp = Stopwatch.GetTimestamp();
        var headers = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Headers.GetAll())
        {
            headers[header.Key] = header.Value;
        }

        _arrivals.Enqueue(new Arrival(queue, id, context.MessageId, timestamp, context.GetRedeliveryCount(), headers));
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<Arrival>> WaitUntil(Func<IReadOnlyList<Arrival>, bool> condition, TimeSpan timeout, string because)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var snapshot = All;
            if (condition(snapshot))
            {
                return snapshot;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Not within {timeout}: {because}. Arrivals so far: {snapshot.Count}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }
}

/// <summary>Records delayed probes on the <c>delay-probe</c> queue.</summary>
public sealed class DelayProbeConsumer(ArrivalLog arrivals) : IConsumer<DelayProbe>
{
    public const string Queue = "delay-probe";

    public Task Consume(ConsumeContext<DelayProbe> context)
    {
        arrivals.Record(context, Queue, context.Message.Id);
        return Task.CompletedTask;
    }
}

/// <summary>A second queue bound to the same message type, which must not see messages delayed for another queue.</summary>
public sealed class BystanderConsumer(ArrivalLog arrivals) : IConsumer<DelayProbe>
{
    public const string Queue = "bystander";

    public Task Consume(ConsumeContext<DelayProbe> context)
    {
        arrivals.Record(context, Queue, context.Message.Id);
        return Task.CompletedTask;
    }
}

/// <summary>Always fails, so that scheduled redelivery runs until it gives up.</summary>
public sealed class RedeliveryProbeConsumer(ArrivalLog arrivals) : IConsumer<RedeliveryProbe>
{
    public const string Queue = "redelivery-probe";

    public Task Consume(ConsumeContext<RedeliveryProbe> context)
    {
        arrivals.Record(context, Queue, context.Message.Id);
        throw new InvalidOperationException("The portal is down (test).");
    }
}

public sealed class RedeliveryProbeConsumerDefinition : ConsumerDefinition<RedeliveryProbeConsumer>
{
    public static readonly TimeSpan[] Intervals = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RedeliveryProbeConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseScheduledRedelivery(r => r.Intervals(Intervals));
}

public static class DelayTestHost
{
    /// <summary>A started host wired exactly as the API and the consumer are (<c>AddPaymentsRabbitMq</c>), on the test's virtual host.</summary>
    public static async Task<IHost> StartAsync(RabbitMqTestVirtualHost vhost, ArrivalLog arrivals, Action<IBusRegistrationConfigurator> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(vhost.Configuration);
        builder.Services.AddSingleton(arrivals);
        if (Environment.GetEnvironmentVariable("PAYMENTS_TEST_CONSOLE_LOGS") == "1")
        {
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug);
        }

        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(x =>
        {
            configure(x);
            x.AddPaymentsRabbitMq();
        });

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Schedules through <see cref="IMessageScheduler"/> as resolved from DI, the way application code would.</summary>
    public static Task<long> ScheduleAsync<T>(IHost host, string queue, TimeSpan delay, T message, Action<SendContext<T>>? configure = null)
        where T : class =>
        ScheduleToAsync(host, new Uri($"queue:{queue}"), delay, message, configure);

    /// <summary>As <see cref="ScheduleAsync{T}"/>, to any destination address (<c>exchange:name</c>, say).</summary>
    public static async Task<long> ScheduleToAsync<T>(IHost host, Uri destination, TimeSpan delay, T message, Action<SendContext<T>>? configure = null)
        where T : class
    {
        await using var scope = host.Services.CreateAsyncScope();
        var scheduler = scope.ServiceProvider.GetRequiredService<IMessageScheduler>();
        var start = Stopwatch.GetTimestamp();
        await scheduler.ScheduleSend(destination, DateTime.UtcNow + delay, message,
            Pipe.Execute<SendContext<T>>(context => configure?.Invoke(context)));
        return start;
    }
}

/// <summary>Bounded waits on a condition the broker shows.</summary>
public static class Until
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Not within {timeout}: {because}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}
