using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed class DelayDeliveryTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>, IAsyncLifetime
{
    private readonly ArrivalLog _arrivals = new();
    private IHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await DelayTestHost.StartAsync(vhost, _arrivals, x =>
        {
            x.AddConsumer<DelayProbeConsumer>();
            x.AddConsumer<BystanderConsumer>();
        });

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task A_three_second_delay_arrives_between_three_and_four_and_a_half_seconds()
    {
        var probe = new DelayProbe(Guid.NewGuid(), 3);

        var start = await DelayTestHost.ScheduleAsync(_host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(3), probe);

        var arrivals = await _arrivals.WaitUntil(a => a.Any(x => x.Id == probe.Id), TimeSpan.FromSeconds(10), "the delayed probe arrives");
        var elapsed = arrivals.Single(x => x.Id == probe.Id).ElapsedSince(start);
        elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3));
        elapsed.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(4.5));
    }

    [Fact]
    public async Task A_time_to_live_shorter_than_the_delay_neither_brings_the_message_early_nor_drops_it()
    {
        var probe = new DelayProbe(Guid.NewGuid(), 3);

        var start = await DelayTestHost.ScheduleAsync(_host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(3), probe,
            context => context.TimeToLive = TimeSpan.FromSeconds(1));

        var arrivals = await _arrivals.WaitUntil(a => a.Any(x => x.Id == probe.Id), TimeSpan.FromSeconds(10), "the delayed probe arrives");
        arrivals.Single(x => x.Id == probe.Id).ElapsedSince(start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_delayed_message_keeps_its_headers_and_message_id()
    {
        var probe = new DelayProbe(Guid.NewGuid(), 1);
        var messageId = NewId.NextGuid();
        var correlationId = Guid.NewGuid();

        await DelayTestHost.ScheduleAsync(_host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(1), probe, context =>
        {
            context.MessageId = messageId;
            context.CorrelationId = correlationId;
            context.Headers.Set("Payments-Test-Header", "kept");
            context.Headers.Set(Contracts.MessageHeaders.DeferralCount, 3);
        });

        var arrivals = await _arrivals.WaitUntil(a => a.Any(x => x.Id == probe.Id), TimeSpan.FromSeconds(10), "the delayed probe arrives");
        var arrival = arrivals.Single(x => x.Id == probe.Id);
        arrival.MessageId.ShouldBe(messageId);
        arrival.Headers["Payments-Test-Header"].ShouldBe("kept");
        Convert.ToInt32(arrival.Headers[Contracts.MessageHeaders.DeferralCount], System.Globalization.CultureInfo.InvariantCulture).ShouldBe(3);
        arrival.Headers[MessageHeaders.SchedulingTokenId].ShouldNotBeNull();
    }

    [Fact]
    public async Task A_delayed_message_arrives_only_at_its_destination_queue_not_at_other_queues_bound_to_its_type()
    {
        var delayed = new DelayProbe(Guid.NewGuid(), 2);
        var marker = new DelayProbe(Guid.NewGuid(), 0);

        await DelayTestHost.ScheduleAsync(_host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(2), delayed);
        await _arrivals.WaitUntil(a => a.Any(x => x.Id == delayed.Id), TimeSpan.FromSeconds(10), "the delayed probe arrives");

        // Published after the delayed copy landed: once the bystander has the marker, any stray copy would have reached it too.
        await _host.Services.GetRequiredService<IBus>().Publish(marker);
        var arrivals = await _arrivals.WaitUntil(
            a => a.Any(x => x.Id == marker.Id && x.Queue == BystanderConsumer.Queue), TimeSpan.FromSeconds(10), "the bystander gets the published marker");

        arrivals.Where(x => x.Id == delayed.Id).Select(x => x.Queue).ShouldBe([DelayProbeConsumer.Queue]);
    }
}
