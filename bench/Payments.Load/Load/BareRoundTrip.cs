using System.Diagnostics;
using MassTransit;

namespace Payments.Load.Load;

/// <summary>A small message the baseline publishes and consumes, nothing else.</summary>
public sealed record BenchPing(int Sequence);

/// <summary>
/// The baseline: a bare MassTransit publish -> consume round trip on the same broker, with the settings the system's
/// verification endpoint uses (durable quorum queue, same prefetch and concurrency).
/// </summary>
public sealed class BareRoundTrip(BrokerSettings broker, int prefetch, int concurrency)
{
    public const string QueueName = "bench-round-trip";

    /// <summary>Round trips before the timed ones, not measured.</summary>
    public const int WarmUpMessages = 5000;

    /// <summary>
    /// Round trips per second after a warm-up, and the CPU seconds <paramref name="cpuSeconds"/> (the broker and this process)
    /// rose by while they were timed.
    /// </summary>
    public async Task<(double PerSecond, double CpuSeconds)> MeasureAsync(int messages, int inFlight, Func<double> cpuSeconds, CancellationToken cancellationToken)
    {
        var counter = new RoundTripCounter(messages);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(broker.Host, broker.Port, broker.VirtualHost, h =>
            {
                h.Username(broker.Username);
                h.Password(broker.Password);
            });
            cfg.ReceiveEndpoint(QueueName, e =>
            {
                e.SetQuorumQueue();
                e.PrefetchCount = prefetch;
                e.ConcurrentMessageLimit = concurrency;
                e.Consumer(() => counter);
            });
        });

        await bus.StartAsync(cancellationToken);
        try
        {
            // Warm-up: connections, channels, JIT and tiering, as the system's warm-up has before it is timed.
            await Parallel.ForAsync(0, WarmUpMessages, new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = cancellationToken },
                async (i, token) => await bus.Publish(new BenchPing(-1), token));
            await counter.WarmedUp.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

            var cpuBefore = cpuSeconds();
            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, messages, new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = cancellationToken },
                async (i, token) => await bus.Publish(new BenchPing(i), token));
            await counter.Done.WaitAsync(TimeSpan.FromMinutes(3), cancellationToken);
            var elapsed = clock.Elapsed;
            return (messages / elapsed.TotalSeconds, cpuSeconds() - cpuBefore);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }

    private sealed class RoundTripCounter(int expected) : IConsumer<BenchPing>
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _received;
        private int _warmUpReceived;

        public Task Done => _done.Task;

        public Task WarmedUp => _warmedUp.Task;

        public Task Consume(ConsumeContext<BenchPing> context)
        {
            if (context.Message.Sequence < 0)
            {
                if (Interlocked.Increment(ref _warmUpReceived) == WarmUpMessages)
                {
                    _warmedUp.TrySetResult();
                }
            }
            else if (Interlocked.Increment(ref _received) == expected)
            {
                _done.TrySetResult();
            }

            return Task.CompletedTask;
        }
    }
}

public sealed record BrokerSettings(string Host, string VirtualHost, string Username, string Password, ushort Port = 5672);
