using MassTransit;
using MassTransit.RabbitMqTransport;
using Payments.Infrastructure.Messaging.Delays;
using RabbitMQ.Client;

namespace Payments.Infrastructure.Tests.Messaging.Delays;

public sealed class BrokerDelaySendPipeTests
{
    private static readonly Uri _destination = new("queue:verify-payment");

    [Fact]
    public async Task A_time_to_live_is_not_carried_into_a_delay_level()
    {
        var context = NewContext(DelayRouting.LevelName(1));
        var callerPipe = Pipe.Execute<SendContext<Probe>>(send =>
        {
            send.TimeToLive = TimeSpan.FromSeconds(1);
            ((RabbitMqSendContext)send).BasicProperties.Expiration = "1000";
        });

        await new BrokerDelaySendPipe<Probe>(callerPipe, Guid.NewGuid(), _destination, DelayRouting.RoutingKey(3, "verify-payment")).Send(context);

        context.TimeToLive.ShouldBeNull();
        context.BasicProperties.Expiration.ShouldBeNull();
        context.RoutingKey.ShouldBe(DelayRouting.RoutingKey(3, "verify-payment"));
        context.Mandatory.ShouldBeTrue();
    }

    [Fact]
    public async Task A_time_to_live_stays_on_a_message_sent_straight_to_its_destination()
    {
        var context = NewContext("verify-payment");
        var callerPipe = Pipe.Execute<SendContext<Probe>>(send => send.TimeToLive = TimeSpan.FromSeconds(30));

        await new BrokerDelaySendPipe<Probe>(callerPipe, Guid.NewGuid(), _destination, routingKey: null).Send(context);

        context.TimeToLive.ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_message_entering_the_levels_carries_its_due_time_and_one_sent_straight_carries_none()
    {
        var due = new DateTimeOffset(2026, 12, 1, 12, 0, 13, TimeSpan.Zero);
        var copiedFromAnEarlierDelay = Pipe.Execute<SendContext<Probe>>(send => send.Headers.Set(DelayOverstay.DueHeader, "2026-11-30T00:00:00.0000000Z"));
        var delayed = NewContext(DelayRouting.LevelName(3));
        var direct = NewContext("verify-payment");

        await new BrokerDelaySendPipe<Probe>(copiedFromAnEarlierDelay, Guid.NewGuid(), _destination, DelayRouting.RoutingKey(13, "verify-payment"), due)
            .Send(delayed);
        await new BrokerDelaySendPipe<Probe>(copiedFromAnEarlierDelay, Guid.NewGuid(), _destination, routingKey: null).Send(direct);

        delayed.Headers.Get<string>(DelayOverstay.DueHeader).ShouldBe(DelayOverstay.FormatDue(due));
        direct.Headers.TryGetHeader(DelayOverstay.DueHeader, out _).ShouldBeFalse();
    }

    [Fact]
    public async Task The_caller_pipe_runs_first_and_the_scheduling_token_and_real_destination_win()
    {
        var tokenId = Guid.NewGuid();
        var context = NewContext(DelayRouting.LevelName(0));
        var callerPipe = Pipe.Execute<SendContext<Probe>>(send =>
        {
            send.Headers.Set("x-death", "stale");
            send.Headers.Set("Payments-Test-Header", "kept");
            send.Delay = TimeSpan.FromSeconds(5);
        });

        await new BrokerDelaySendPipe<Probe>(callerPipe, tokenId, _destination, DelayRouting.RoutingKey(1, "verify-payment")).Send(context);

        context.ScheduledMessageId.ShouldBe(tokenId);
        context.Headers.Get<string>(MessageHeaders.SchedulingTokenId).ShouldBe(tokenId.ToString("D"));
        context.Headers.TryGetHeader("x-death", out _).ShouldBeFalse();
        context.Headers.Get<string>("Payments-Test-Header").ShouldBe("kept");
        context.Delay.ShouldBeNull();
        context.DestinationAddress.ShouldBe(_destination);
    }

    private static RabbitMqMessageSendContext<Probe> NewContext(string exchange) =>
        new(new BasicProperties(), exchange, new Probe(Guid.NewGuid()), CancellationToken.None);

    public sealed record Probe(Guid Id);
}
