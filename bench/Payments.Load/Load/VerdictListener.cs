using System.Collections.Concurrent;
using MassTransit;
using Payments.Contracts;

namespace Payments.Load.Load;

/// <summary>
/// Counts <see cref="PaymentVerified"/> events per payment on a queue of its own (deleted afterwards), so a payment verified
/// twice shows up as a duplicate.
/// </summary>
public sealed class VerdictListener : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, int> _verified = new();
    private IBusControl? _bus;
    private int _received;

    public async Task StartAsync(BrokerSettings broker, CancellationToken cancellationToken)
    {
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(broker.Host, broker.Port, broker.VirtualHost, h =>
            {
                h.Username(broker.Username);
                h.Password(broker.Password);
            });
            // The counter is its own object: MassTransit disposes a consumer after each message, and disposing the listener
            // stops the bus.
            cfg.ReceiveEndpoint(new TemporaryEndpointDefinition("bench-verdicts"), e => e.Consumer(() => new Counter(this)));
        });
        await _bus.StartAsync(cancellationToken);
    }

    /// <summary>PaymentVerified events this listener received (deliveries a count of the system's work leaves out).</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>PaymentVerified events received from now on (a scenario's verdicts, when it starts now).</summary>
    public Func<int> CountFromNow()
    {
        var before = Received;
        return () => Received - before;
    }

    /// <summary>Payments of <paramref name="references"/> for which more than one PaymentVerified arrived.</summary>
    public int Duplicates(IEnumerable<string> references) =>
        references.Count(r => Guid.TryParseExact(r, "N", out var id) && _verified.GetValueOrDefault(id) > 1);

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync(CancellationToken.None);
        }
    }

    private sealed class Counter(VerdictListener listener) : IConsumer<PaymentVerified>
    {
        public Task Consume(ConsumeContext<PaymentVerified> context)
        {
            listener._verified.AddOrUpdate(context.Message.PaymentId, 1, (_, count) => count + 1);
            Interlocked.Increment(ref listener._received);
            return Task.CompletedTask;
        }
    }
}
