using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Payments.CircuitBreaker;
using Payments.Consumer.CircuitBreakers;
using Payments.Consumer.Tests.Testing;
using Payments.Contracts;

namespace Payments.Consumer.Tests.CircuitBreakers;

public sealed class CircuitBreakerReportingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _provider;
    private readonly ITestHarness _harness;

    public CircuitBreakerReportingTests()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["CircuitBreakerReporting:InstanceId"] = "consumer-test" })
            .Build();
        _provider = HarnessSetup.BuildHarness(
            bus => bus.AddCircuitBreakerControl(),
            services =>
            {
                services.AddCircuitBreakers(configuration);
                services.AddCircuitBreakerReporting(configuration);
            },
            _time);
        _harness = _provider.GetRequiredService<ITestHarness>();
    }

    private CircuitBreaker.CircuitBreaker Portal => _provider.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);

    /// <summary>The portal breaker's failure threshold (5) of failed calls in a row: it opens.</summary>
    private void OpenPortalOnFailures()
    {
        for (var i = 0; i < 5; i++)
        {
            Portal.TryAcquire(out var permit, out _).ShouldBeTrue();
            permit.Complete(CallOutcome.Failure);
        }
    }

    public Task InitializeAsync() => _harness.Start();

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Reports_the_portal_breaker_closed_at_start()
    {
        (await _harness.Published.Any<CircuitBreakerStatusReported>(m =>
                m.Context.Message.Instance == "consumer-test"
                && m.Context.Message.CircuitBreakers.Any(b => b.Name == "DeveloperPortal" && b.State == "CLOSED")))
            .ShouldBeTrue();
    }

    [Fact]
    public async Task Reports_a_transition_when_it_happens_with_the_transition_listed()
    {
        await _harness.Published.Any<CircuitBreakerStatusReported>();
        OpenPortalOnFailures();

        (await _harness.Published.Any<CircuitBreakerStatusReported>(m => m.Context.Message.CircuitBreakers.Any(b =>
                b.State == "OPEN"
                && b.OpenedAt == _time.GetUtcNow()
                && b.Transitions.Any(t => t.From == "CLOSED" && t.To == "OPEN"))))
            .ShouldBeTrue();
    }

    [Fact]
    public async Task An_opening_on_failures_is_announced_to_the_fleet_in_the_report_and_a_peers_report_reaches_the_fleet()
    {
        await _harness.Published.Any<CircuitBreakerStatusReported>();
        OpenPortalOnFailures();

        (await _harness.Published.Any<CircuitBreakerStatusReported>(m => m.Context.Message.CircuitBreakers.Any(b =>
                b.Name == "DeveloperPortal"
                && b.Fleet is { State: "OPEN", Source: "consumer-test", Cause: "failures", Prober: "consumer-test" }
                && b.Fleet.OpenUntil == _time.GetUtcNow() + TimeSpan.FromSeconds(30)
                && b.HeldBy == null)))
            .ShouldBeTrue();

        // A peer's report arrives on the instance's own queue and counts it as a member.
        await _harness.Bus.Publish(new CircuitBreakerStatusReported("consumer-peer", _time.GetUtcNow(), TimeSpan.FromSeconds(5), []));
        (await _harness.Consumed.Any<CircuitBreakerStatusReported>(m => m.Context.Message.Instance == "consumer-peer")).ShouldBeTrue();
        _provider.GetRequiredService<CircuitBreakerFleet>().Members().ShouldBe(["consumer-peer", "consumer-test"]);
    }

    [Fact]
    public async Task Isolate_then_reset_reach_the_breaker_through_the_control_queue()
    {
        // The breaker exists before the operator acts (the reporter creates it at start; here the test does, so as not to race it).
        _ = Portal;
        await _harness.Bus.Publish(new ControlCircuitBreaker("DeveloperPortal", CircuitBreakerAction.Isolate));
        (await _harness.Consumed.Any<ControlCircuitBreaker>(m => m.Context.Message.Action == CircuitBreakerAction.Isolate)).ShouldBeTrue();
        Portal.State.ShouldBe(CircuitState.Open);
        Portal.TryAcquire(out _, out _).ShouldBeFalse();

        await _harness.Bus.Publish(new ControlCircuitBreaker("DeveloperPortal", CircuitBreakerAction.Reset));
        (await _harness.Consumed.Any<ControlCircuitBreaker>(m => m.Context.Message.Action == CircuitBreakerAction.Reset)).ShouldBeTrue();
        Portal.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public async Task A_control_action_for_an_unknown_breaker_creates_no_breaker()
    {
        _ = Portal;
        await _harness.Bus.Publish(new ControlCircuitBreaker("NoSuchBreaker", CircuitBreakerAction.Isolate));

        (await _harness.Consumed.Any<ControlCircuitBreaker>()).ShouldBeTrue();
        _provider.GetRequiredService<ICircuitBreakerRegistry>().All.Select(b => b.Name).ShouldBe(["DeveloperPortal"]);
    }

    [Fact]
    public async Task Open_since_stays_at_the_first_open_while_failed_probes_reopen_the_breaker()
    {
        var reporter = _provider.GetRequiredService<CircuitBreakerReporter>();
        await _harness.Published.Any<CircuitBreakerStatusReported>();
        var openedAt = _time.GetUtcNow();
        OpenPortalOnFailures();

        _time.Advance(TimeSpan.FromSeconds(31));
        Portal.TryAcquire(out var probe, out _).ShouldBeTrue();
        probe.Complete(CallOutcome.Failure);

        Portal.GetStats().OpenedAt.ShouldBe(_time.GetUtcNow());
        reporter.OpenSince(CircuitBreakerPresets.DeveloperPortal).ShouldBe(openedAt);
    }
}
