using Microsoft.Extensions.Hosting;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed class ManyDelaysTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>, IAsyncLifetime
{
    // Timestamps on the broker are whole milliseconds; a hop can look up to that much early on a finer clock.
    private static readonly TimeSpan _clockGranularity = TimeSpan.FromMilliseconds(5);

    private readonly ArrivalLog _arrivals = new();
    private IHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await DelayTestHost.StartAsync(vhost, _arrivals, x => x.AddConsumer<DelayProbeConsumer>());

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task Two_hundred_messages_with_mixed_delays_each_arrive_exactly_once_and_none_early()
    {
        var random = new Random(20261126);
        var probes = Enumerable.Range(0, 200).Select(_ => new DelayProbe(Guid.NewGuid(), random.Next(1, 9))).ToList();

        var starts = await Task.WhenAll(probes.Select(async probe =>
            (probe, start: await DelayTestHost.ScheduleAsync(_host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(probe.DelaySeconds), probe))));

        var ids = probes.Select(p => p.Id).ToHashSet();
        await _arrivals.WaitUntil(a => ids.IsSubsetOf(a.Select(x => x.Id)), TimeSpan.FromSeconds(30), "all 200 probes arrive");

        // A last probe through the same levels: duplicates of the earlier ones would have been delivered before it.
        var last = new DelayProbe(Guid.NewGuid(), 1);
        await DelayTestHost.ScheduleAsync(_host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(1), last);
        var arrivals = await _arrivals.WaitUntil(a => a.Any(x => x.Id == last.Id), TimeSpan.FromSeconds(10), "the last probe arrives");

        arrivals.Count.ShouldBe(201);
        arrivals.Select(a => a.Id).Distinct().Count().ShouldBe(201);
        foreach (var (probe, start) in starts)
        {
            var elapsed = arrivals.Single(a => a.Id == probe.Id).ElapsedSince(start);
            elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(probe.DelaySeconds) - _clockGranularity, $"probe delayed {probe.DelaySeconds} s");
        }
    }
}
