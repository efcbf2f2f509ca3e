using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Payments.Infrastructure.Messaging.Delays;
using Payments.IntegrationTests.Fixtures;
using RabbitMQ.Client;

namespace Payments.IntegrationTests.Messaging;

/// <summary>
/// A delayed message whose destination is gone must not hold up the level it leaves: at-least-once dead-lettering
/// retries a message that reaches no queue and keeps up to 32 of them in flight, which stops everything behind them.
/// Such messages are parked in <c>payments.delay.unroutable</c> instead.
/// </summary>
public sealed class DelayParkingTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    private const string DoomedQueue = "doomed-queue";
    private const string DoomedExchange = "doomed-exchange";
    private const string DoomedExchangeSink = "doomed-exchange-sink";

    // More than the 32 messages at-least-once dead-lettering keeps in flight.
    private const int DeadPerDestination = 40;

    [Fact]
    public async Task Messages_for_a_deleted_queue_or_exchange_are_parked_and_a_live_destination_still_arrives_on_time()
    {
        var arrivals = new ArrivalLog();
        using var host = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());
        await DeclareDoomedDestinationsAsync();
        var toQueue = new Uri($"queue:{DoomedQueue}");
        var toExchange = new Uri($"exchange:{DoomedExchange}");

        // Both destinations work first: the queue one is bound straight to its queue, the other to its exchange.
        await DelayTestHost.ScheduleToAsync(host, toQueue, TimeSpan.FromSeconds(1), new DelayProbe(Guid.NewGuid(), 1));
        await DelayTestHost.ScheduleToAsync(host, toExchange, TimeSpan.FromSeconds(1), new DelayProbe(Guid.NewGuid(), 1));
        await Until.TrueAsync(async () => await vhost.CountMessagesAsync(DoomedQueue) == 1 && await vhost.CountMessagesAsync(DoomedExchangeSink) == 1,
            TimeSpan.FromSeconds(15), "both destinations receive their first delayed message");

        // In flight while the destinations go away, then more after.
        for (var i = 0; i < 2; i++)
        {
            await DelayTestHost.ScheduleToAsync(host, toQueue, TimeSpan.FromSeconds(3), new DelayProbe(Guid.NewGuid(), 3));
            await DelayTestHost.ScheduleToAsync(host, toExchange, TimeSpan.FromSeconds(3), new DelayProbe(Guid.NewGuid(), 3));
        }

        await DeleteDoomedDestinationsAsync();
        await Task.WhenAll(Enumerable.Range(0, DeadPerDestination).Select(async _ =>
        {
            await DelayTestHost.ScheduleToAsync(host, toQueue, TimeSpan.FromSeconds(1), new DelayProbe(Guid.NewGuid(), 1));
            await DelayTestHost.ScheduleToAsync(host, toExchange, TimeSpan.FromSeconds(1), new DelayProbe(Guid.NewGuid(), 1));
        }));

        // Behind all of them through level 00.
        var live = new DelayProbe(Guid.NewGuid(), 3);
        var start = await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(3), live);

        var arrived = await arrivals.WaitUntil(a => a.Any(x => x.Id == live.Id), TimeSpan.FromSeconds(15), "the live destination's probe arrives");
        var elapsed = arrived.Single(x => x.Id == live.Id).ElapsedSince(start);
        elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3));
        elapsed.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(5));

        var expectedParked = 2 * (2 + DeadPerDestination);
        await Until.TrueAsync(async () => await vhost.CountMessagesAsync(DelayRouting.UnroutableExchange) == expectedParked, TimeSpan.FromSeconds(20),
            $"{expectedParked} messages for the deleted destinations are parked");
        (await vhost.CountMessagesAsync(DelayRouting.LevelName(0))).ShouldBe(0u);

        // What an operator finds there: the destination in the routing key, and where the message came from in x-death.
        var parked = await vhost.TakeMessageAsync(DelayRouting.UnroutableExchange);
        parked.ShouldNotBeNull();
        new[] { DoomedQueue, DoomedExchange }.Select(d => $".{DelayRouting.DestinationMarker}.{d}").ShouldContain(suffix => parked.RoutingKey.EndsWith(suffix, StringComparison.Ordinal));
        var deaths = (IList<object>)parked.BasicProperties.Headers!["x-death"]!;
        deaths.Cast<IDictionary<string, object?>>().Select(d => Encoding.UTF8.GetString((byte[])d["queue"]!)).ShouldContain(DelayRouting.LevelName(0));
        await host.StopAsync();
    }

    private async Task DeclareDoomedDestinationsAsync()
    {
        await using var connection = await vhost.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        await channel.QueueDeclareAsync(DoomedQueue, durable: true, exclusive: false, autoDelete: false, arguments: quorum);
        await channel.ExchangeDeclareAsync(DoomedExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(DoomedExchangeSink, durable: true, exclusive: false, autoDelete: false, arguments: quorum);
        await channel.QueueBindAsync(DoomedExchangeSink, DoomedExchange, "");
    }

    private async Task DeleteDoomedDestinationsAsync()
    {
        await using var connection = await vhost.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(DoomedQueue);
        await channel.ExchangeDeleteAsync(DoomedExchange);
    }
}

/// <summary>A binding straight to a queue goes with the queue; the endpoint that declares the queue again must restore it.</summary>
public sealed class DelayRebindingTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    [Fact]
    public async Task A_queue_deleted_while_its_consumer_runs_is_bound_again_when_the_consumer_declares_it_again()
    {
        var arrivals = new ArrivalLog();
        using var host = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());
        await Until.TrueAsync(async () => (await vhost.ListBindingsAsync(DelayRouting.DestinationsExchange, DelayProbeConsumer.Queue)).Count == 1,
            TimeSpan.FromSeconds(15), "the endpoint is bound as a delay destination when it starts");
        var first = new DelayProbe(Guid.NewGuid(), 1);
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(1), first);
        await arrivals.WaitUntil(a => a.Any(x => x.Id == first.Id), TimeSpan.FromSeconds(10), "the first probe arrives");

        await using (var connection = await vhost.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(DelayProbeConsumer.Queue);
        }

        // MassTransit sees its consumer cancelled, declares the queue again and reports the endpoint ready: the binding returns.
        await Until.TrueAsync(async () => (await vhost.ListBindingsAsync(DelayRouting.DestinationsExchange, DelayProbeConsumer.Queue)).Count == 1,
            TimeSpan.FromSeconds(30), "the recreated queue is bound as a delay destination again");
        var second = new DelayProbe(Guid.NewGuid(), 1);
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(1), second);

        await arrivals.WaitUntil(a => a.Any(x => x.Id == second.Id), TimeSpan.FromSeconds(15), "a probe scheduled after the queue came back arrives");
        (await vhost.CountMessagesAsync(DelayRouting.UnroutableExchange)).ShouldBe(0u);
        await host.StopAsync();
    }
}

/// <summary>
/// An upgrade in place: the delivery exchange and the level queues cannot take new arguments (a redeclaration with other
/// arguments is PRECONDITION_FAILED), and the destination bindings of the earlier key format stay on the delivery exchange.
/// </summary>
public sealed class DelayUpgradeTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    [Fact]
    public async Task On_a_broker_with_the_earlier_delay_topology_both_key_formats_arrive_once_and_nothing_is_parked()
    {
        // As the earlier version left it: the delivery exchange and level queues without any new argument, and a
        // destination binding of the earlier key format (bits, then the destination) on the delivery exchange.
        await using (var connection = await vhost.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync(DelayRouting.DeliveryExchange, ExchangeType.Topic, durable: true, autoDelete: false);
            foreach (var level in new[] { 0, 1 })
            {
                var name = DelayRouting.LevelName(level);
                await channel.ExchangeDeclareAsync(name, ExchangeType.Topic, durable: true, autoDelete: false);
                await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: DelayLayout.LevelQueueArguments(level));
                await channel.QueueBindAsync(name, name, DelayRouting.LevelBindingPattern(level, bitSet: true));
                await channel.ExchangeBindAsync(DelayRouting.DeadLetterExchange(level), name, DelayRouting.LevelBindingPattern(level, bitSet: false));
            }

            await channel.ExchangeDeclareAsync(DelayProbeConsumer.Queue, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.ExchangeBindAsync(DelayProbeConsumer.Queue, DelayRouting.DeliveryExchange, EarlierFormat(DelayRouting.DestinationPattern(DelayProbeConsumer.Queue)));
        }

        var arrivals = new ArrivalLog();
        using var host = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());

        // One message still in flight from before the upgrade, as the earlier version published it, and one scheduled now.
        var earlier = new DelayProbe(Guid.NewGuid(), 2);
        var level01 = await host.Services.GetRequiredService<IBus>().GetSendEndpoint(BrokerDelayScheduleMessageProvider.LevelAddress(1));
        await level01.Send(earlier, context => context.SetRoutingKey(EarlierFormat(DelayRouting.RoutingKey(2, DelayProbeConsumer.Queue))));
        var current = new DelayProbe(Guid.NewGuid(), 2);
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(2), current);
        await arrivals.WaitUntil(a => a.Any(x => x.Id == earlier.Id) && a.Any(x => x.Id == current.Id), TimeSpan.FromSeconds(15), "both probes arrive");

        // A last probe along the same path: any second copy of the two would have arrived before it.
        var last = new DelayProbe(Guid.NewGuid(), 2);
        await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(2), last);
        var seen = await arrivals.WaitUntil(a => a.Any(x => x.Id == last.Id), TimeSpan.FromSeconds(15), "the last probe arrives");

        seen.Count(x => x.Id == earlier.Id).ShouldBe(1);
        seen.Count(x => x.Id == current.Id).ShouldBe(1);
        (await vhost.CountMessagesAsync(DelayRouting.UnroutableExchange)).ShouldBe(0u);
        await host.StopAsync();
    }

    private static string EarlierFormat(string keyOrPattern) =>
        keyOrPattern.Replace(DelayRouting.DestinationMarker + ".", "", StringComparison.Ordinal);
}
