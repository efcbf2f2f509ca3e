using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Payments.Infrastructure.Messaging.Delays;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

/// <summary>
/// What the delay alerts read, on the real broker: the overstay the services measure from <c>x-death</c> when a delayed
/// message arrives (DelayLevelOverstay), and the expired messages a held-up level cannot pass on, as the prometheus
/// plugin reports them (DelayLevelNotPassingOn).
/// </summary>
public sealed class DelayLatenessTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    private const string OverstayInstrument = "payments.delay.level.overstay";

    [Fact]
    public async Task Each_level_a_delayed_message_went_through_is_measured_on_arrival_and_a_late_one_shows_its_overstay()
    {
        var arrivals = new ArrivalLog();
        using var host = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());
        using var overstay = new MetricCollector<double>(host.Services.GetRequiredService<IMeterFactory>(), DelayTelemetry.MeterName, OverstayInstrument);

        // 3 s = levels 01 and 00, each left on time.
        var onTime = new DelayProbe(Guid.NewGuid(), 3);
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(3), onTime);
        await arrivals.WaitUntil(a => a.Any(x => x.Id == onTime.Id), TimeSpan.FromSeconds(10), "the on-time probe arrives");

        var measured = overstay.GetMeasurementSnapshot();
        measured.Select(m => (string?)m.Tags[DelayTelemetry.QueueTag]).ShouldBe([DelayRouting.LevelName(1), DelayRouting.LevelName(0)]);
        measured.ShouldAllBe(m => m.Value >= 0 && m.Value < 2);

        // A message that entered level 02 five seconds after it should have: as if the level had held it that long. With
        // bit 0 clear it leaves the levels from level 02 (RabbitMQ then reports level 01's exchange as its exchange).
        overstay.Clear();
        var late = new DelayProbe(Guid.NewGuid(), 4);
        var dueAlready = DateTimeOffset.UtcNow.AddSeconds(4 - 5);
        var level02 = await host.Services.GetRequiredService<IBus>().GetSendEndpoint(BrokerDelayScheduleMessageProvider.LevelAddress(2));
        await level02.Send(late, context =>
        {
            context.SetRoutingKey(DelayRouting.RoutingKey(4, DelayProbeConsumer.Queue));
            context.Headers.Set(DelayOverstay.DueHeader, DelayOverstay.FormatDue(dueAlready));
        });
        await arrivals.WaitUntil(a => a.Any(x => x.Id == late.Id), TimeSpan.FromSeconds(12), "the late probe arrives");

        var lateLevel = overstay.GetMeasurementSnapshot().ShouldHaveSingleItem();
        lateLevel.Tags[DelayTelemetry.QueueTag].ShouldBe(DelayRouting.LevelName(2));
        lateLevel.Value.ShouldBeInRange(4, 7);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_level_whose_next_hop_refuses_its_messages_shows_them_as_expired_but_not_passed_on()
    {
        var arrivals = new ArrivalLog();
        using var host = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(1), new DelayProbe(Guid.NewGuid(), 1));
        await arrivals.WaitUntil(a => a.Count == 1, TimeSpan.FromSeconds(10), "a first probe arrives while the levels are whole");

        // Without its binding to the destinations exchange, the delivery exchange routes nothing: level 00 cannot pass on.
        await using (var connection = await vhost.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeUnbindAsync(DelayRouting.DestinationsExchange, DelayRouting.DeliveryExchange, DelayRouting.DeliveryPattern);
        }

        var held = new DelayProbe(Guid.NewGuid(), 1);
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(1), held);

        // What the alert computes: messages - ready - unacked, for as long as the plugin keeps reporting it.
        long? heldSince = null;
        await Until.TrueAsync(async () =>
        {
            var expired = await ExpiredNotPassedOnAsync(DelayRouting.LevelName(0));
            heldSince = expired >= 1 ? heldSince ?? Stopwatch.GetTimestamp() : null;
            return heldSince is { } since && Stopwatch.GetElapsedTime(since) >= TimeSpan.FromSeconds(3);
        }, TimeSpan.FromSeconds(60), "level 00 reports its expired message as not passed on, steadily for 3 s");

        arrivals.All.ShouldNotContain(x => x.Id == held.Id);
        (await ExpiredNotPassedOnAsync(DelayRouting.LevelName(1))).ShouldBe(0);
        await host.StopAsync();
    }

    private async Task<double> ExpiredNotPassedOnAsync(string queue)
    {
        var messages = await vhost.ScrapeQueueMetricAsync("rabbitmq_queue_messages");
        var ready = await vhost.ScrapeQueueMetricAsync("rabbitmq_queue_messages_ready");
        var unacked = await vhost.ScrapeQueueMetricAsync("rabbitmq_queue_messages_unacked");
        return messages.GetValueOrDefault(queue) - ready.GetValueOrDefault(queue) - unacked.GetValueOrDefault(queue);
    }
}
