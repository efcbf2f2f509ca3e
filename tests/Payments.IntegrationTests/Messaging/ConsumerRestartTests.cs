using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed class ConsumerRestartTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    [Fact]
    public async Task A_delay_survives_a_consumer_restart()
    {
        var arrivals = new ArrivalLog();
        var probe = new DelayProbe(Guid.NewGuid(), 3);

        var first = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());
        var start = await DelayTestHost.ScheduleAsync(first, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(3), probe);
        await first.StopAsync();
        first.Dispose();

        // Nobody consumes while the delay runs out: the message must reach the durable queue on its own.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await vhost.CountMessagesAsync(DelayProbeConsumer.Queue) == 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the delayed probe reaches its queue while no consumer runs");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        arrivals.All.ShouldBeEmpty();

        using var second = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());
        var arrived = await arrivals.WaitUntil(a => a.Any(x => x.Id == probe.Id), TimeSpan.FromSeconds(10), "the restarted consumer gets the probe");
        await second.StopAsync();

        arrived.Single(x => x.Id == probe.Id).ElapsedSince(start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3));
    }
}
