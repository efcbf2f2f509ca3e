using Microsoft.Extensions.Time.Testing;
using Payments.Api.CircuitBreakers;
using Payments.Contracts;

namespace Payments.Api.Tests.CircuitBreakers;

public sealed class CircuitBreakerStatusStoreTests
{
    private static readonly DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_the_latest_report_of_each_instance()
    {
        var time = new FakeTimeProvider(_start);
        var store = new CircuitBreakerStatusStore(time);

        store.Update(Report("consumer-a", _start, "CLOSED"));
        store.Update(Report("consumer-b", _start, "CLOSED"));
        store.Update(Report("consumer-a", _start.AddSeconds(1), "OPEN"));

        var current = store.Current();
        current.Select(r => r.Instance).ShouldBe(["consumer-a", "consumer-b"]);
        current.Single(r => r.Instance == "consumer-a").CircuitBreakers.Single().State.ShouldBe("OPEN");
    }

    [Fact]
    public void An_older_report_arriving_late_does_not_replace_a_newer_one()
    {
        var store = new CircuitBreakerStatusStore(new FakeTimeProvider(_start));

        store.Update(Report("consumer-a", _start.AddSeconds(2), "OPEN"));
        store.Update(Report("consumer-a", _start.AddSeconds(1), "CLOSED"));

        store.Current().Single().CircuitBreakers.Single().State.ShouldBe("OPEN");
    }

    [Fact]
    public void Drops_an_instance_silent_for_three_heartbeats_and_keeps_one_that_is_not()
    {
        var time = new FakeTimeProvider(_start);
        var store = new CircuitBreakerStatusStore(time);
        store.Update(Report("silent", _start, "CLOSED"));
        store.Update(Report("alive", _start, "CLOSED"));

        time.Advance(TimeSpan.FromSeconds(14));
        store.Update(Report("alive", time.GetUtcNow(), "CLOSED"));
        store.Current().Count.ShouldBe(2);

        time.Advance(TimeSpan.FromSeconds(2));
        store.Current().Select(r => r.Instance).ShouldBe(["alive"]);
    }

    internal static CircuitBreakerStatusReported Report(string instance, DateTimeOffset at, string state) =>
        new(instance, at, TimeSpan.FromSeconds(5),
        [
            new CircuitBreakerStatus("DeveloperPortal", state, state == "OPEN" ? 5 : 0, 0, null, at, state == "OPEN" ? at : null,
                10, 5, 5, 0, state == "OPEN" ? 30 : null, []),
        ]);
}
