using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Infrastructure.Messaging;
using Payments.IntegrationTests.Fixtures;
using RabbitMQ.Client;

namespace Payments.IntegrationTests.Messaging;

public sealed class ScheduledRedeliveryTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>, IAsyncLifetime
{
    private readonly ArrivalLog _arrivals = new();
    private IHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await DelayTestHost.StartAsync(vhost, _arrivals, x => x.AddConsumer<RedeliveryProbeConsumer, RedeliveryProbeConsumerDefinition>());

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task Scheduled_redelivery_through_broker_delays_counts_redeliveries_then_lands_in_the_error_queue()
    {
        var probe = new RedeliveryProbe(Guid.NewGuid());
        var sendEndpoint = await _host.Services.GetRequiredService<IBus>().GetSendEndpoint(QueueAddress.For(RedeliveryProbeConsumer.Queue));

        await sendEndpoint.Send(probe);

        var attempts = RedeliveryProbeConsumerDefinition.Intervals.Length + 1;
        var arrivals = await _arrivals.WaitUntil(a => a.Count(x => x.Id == probe.Id) == attempts, TimeSpan.FromSeconds(20), "every redelivery runs");
        var seen = arrivals.Where(x => x.Id == probe.Id).ToList();
        seen.Select(x => x.RedeliveryCount).ShouldBe([0, 1, 2]);
        seen[1].ElapsedSince(seen[0].Timestamp).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        seen[2].ElapsedSince(seen[1].Timestamp).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));

        var errorQueue = RedeliveryProbeConsumer.Queue + "_error";
        BasicGetResult? faulted = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (faulted is null)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the exhausted message lands in the error queue");
            faulted = await vhost.TakeMessageAsync(errorQueue);
            if (faulted is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }

        // Scheduled redelivery gives each redelivered copy a new message id (MassTransit's ReplaceMessageId default).
        faulted.BasicProperties.MessageId.ShouldBe(seen[^1].MessageId!.Value.ToString());
        Convert.ToInt32(faulted.BasicProperties.Headers![MessageHeaders.RedeliveryCount], System.Globalization.CultureInfo.InvariantCulture).ShouldBe(2);
        (await vhost.TakeMessageAsync(errorQueue)).ShouldBeNull();
        _arrivals.All.Count(x => x.Id == probe.Id).ShouldBe(attempts);
    }
}
