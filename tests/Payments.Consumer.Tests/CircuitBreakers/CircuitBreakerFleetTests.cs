using Payments.CircuitBreaker;
using Payments.Contracts;

namespace Payments.Consumer.Tests.CircuitBreakers;

/// <summary>
/// The shared breaker's rules, on a fake clock, with the reports exchanged in memory (<see cref="FleetSimulation"/>). The same
/// rules over RabbitMQ are covered by the fleet's integration tests.
/// </summary>
public sealed class CircuitBreakerFleetTests : IDisposable
{
    private readonly FleetSimulation _fleet = new();

    public void Dispose() => _fleet.Dispose();

    private static bool Down(FleetSimulation.Node node) => false;

    private static bool Up(FleetSimulation.Node node) => true;

    private void Start(params string[] ids)
    {
        foreach (var id in ids)
        {
            _fleet.Add(id);
        }

        // A heartbeat round, so that everyone knows everyone.
        _fleet.Exchange();
    }

    private int PortalCalls => _fleet.Nodes.Sum(n => n.PortalCalls);

    private int Probes => _fleet.Nodes.Sum(n => n.Probes);

    [Fact]
    public void An_outage_every_instance_sees_costs_the_failure_threshold_once_and_opens_every_instance()
    {
        Start("consumer-1", "consumer-2", "consumer-3");

        _fleet.Traffic(Down);

        _fleet.Nodes.ShouldAllBe(n => n.State == CircuitState.Open);
        // The three took messages side by side: when consumer-1 failed its fifth, the others had failed four each (the calls
        // in flight); its announcement reached them before their next one. On their own they would have failed fifteen.
        PortalCalls.ShouldBe(5 + 4 + 4);
        _fleet.Nodes.ShouldAllBe(n => !n.Consuming);
        _fleet["consumer-2"].Fleet.HeldBy.ShouldBe("consumer-1");
        _fleet["consumer-3"].Fleet.View!.Prober.ShouldBe("consumer-2");
    }

    [Fact]
    public void While_the_outage_lasts_the_fleet_sends_one_probe_per_open_window_and_the_prober_rotates()
    {
        Start("consumer-1", "consumer-2", "consumer-3");
        _fleet.Traffic(Down);
        var probers = new List<string>();

        for (var window = 0; window < 4; window++)
        {
            var before = _fleet.Nodes.ToDictionary(n => n.Id, n => n.Probes);
            _fleet.Advance(FleetSimulation.OpenTimeout, Down);
            var probed = _fleet.Nodes.Where(n => n.Probes > before[n.Id]).ToList();
            probed.Count.ShouldBe(1, $"window {window}");
            (probed[0].Probes - before[probed[0].Id]).ShouldBe(1);
            probers.Add(probed[0].Id);
        }

        probers.ShouldBe(["consumer-2", "consumer-3", "consumer-1", "consumer-2"]);
        PortalCalls.ShouldBe(13 + 4);
        _fleet.Nodes.ShouldAllBe(n => n.State == CircuitState.Open);
    }

    [Fact]
    public void When_the_portal_is_back_the_probers_close_spreads_and_every_instance_closes_on_its_own_probes()
    {
        Start("consumer-1", "consumer-2", "consumer-3");
        _fleet.Traffic(Down);

        _fleet.Advance(FleetSimulation.OpenTimeout, Up);

        _fleet.Nodes.ShouldAllBe(n => n.State == CircuitState.Closed);
        _fleet.Nodes.ShouldAllBe(n => n.Consuming);
        _fleet["consumer-1"].Fleet.View!.State.ShouldBe(CircuitBreakerFleetView.Closed);
        _fleet["consumer-1"].Fleet.View!.Source.ShouldBe("consumer-2");
        // Each instance closed on its own two probes, none on a peer's word.
        _fleet.Nodes.ShouldAllBe(n => n.Probes == 2);
    }

    [Fact]
    public void A_fault_only_one_instance_sees_holds_the_others_for_one_window_then_they_keep_verifying()
    {
        Start("consumer-1", "consumer-2", "consumer-3");
        Func<FleetSimulation.Node, bool> onlyConsumer1Fails = node => node.Id != "consumer-1";

        _fleet.Traffic(onlyConsumer1Fails);
        _fleet["consumer-2"].State.ShouldBe(CircuitState.Open);
        _fleet["consumer-3"].State.ShouldBe(CircuitState.Open);

        _fleet.Advance(FleetSimulation.OpenTimeout, onlyConsumer1Fails);

        _fleet["consumer-2"].State.ShouldBe(CircuitState.Closed);
        _fleet["consumer-3"].State.ShouldBe(CircuitState.Closed);
        _fleet["consumer-1"].State.ShouldBe(CircuitState.Open);

        // Its further failed probes are its own: the others are not held again, window after window.
        for (var window = 0; window < 3; window++)
        {
            var served = _fleet["consumer-2"].PortalCalls;
            _fleet.Advance(FleetSimulation.OpenTimeout, onlyConsumer1Fails);
            _fleet["consumer-2"].State.ShouldBe(CircuitState.Closed);
            _fleet["consumer-3"].State.ShouldBe(CircuitState.Closed);
            _fleet["consumer-2"].PortalCalls.ShouldBeGreaterThan(served);
            _fleet["consumer-1"].State.ShouldBe(CircuitState.Open);
        }

        _fleet["consumer-1"].Fleet.View!.State.ShouldBe(CircuitBreakerFleetView.Closed);
    }

    [Fact]
    public void An_instance_that_joins_during_an_outage_follows_it_at_the_first_report_it_hears()
    {
        Start("consumer-1", "consumer-2");
        _fleet.Traffic(Down);
        _fleet.Advance(FleetSimulation.OpenTimeout, Down);

        var joiner = _fleet.Add("consumer-3");
        joiner.State.ShouldBe(CircuitState.Closed);
        _fleet.Exchange();

        joiner.State.ShouldBe(CircuitState.Open);
        joiner.Consuming.ShouldBeFalse();
        joiner.PortalCalls.ShouldBe(0);
    }

    [Fact]
    public void An_instance_that_joins_while_the_fleet_is_closed_stays_closed_even_beside_an_instance_with_its_own_fault()
    {
        Start("consumer-1", "consumer-2");
        Func<FleetSimulation.Node, bool> onlyConsumer1Fails = node => node.Id != "consumer-1";
        _fleet.Traffic(onlyConsumer1Fails);
        _fleet.Advance(FleetSimulation.OpenTimeout, onlyConsumer1Fails);
        _fleet["consumer-1"].State.ShouldBe(CircuitState.Open);

        var joiner = _fleet.Add("consumer-3");
        _fleet.Exchange();

        joiner.State.ShouldBe(CircuitState.Closed);
        joiner.Consuming.ShouldBeTrue();
    }

    [Fact]
    public void When_the_prober_falls_silent_the_others_probe_at_the_end_of_the_window()
    {
        Start("consumer-1", "consumer-2", "consumer-3");
        _fleet.Traffic(Down);
        _fleet["consumer-2"].Reporting = false;

        _fleet.Advance(FleetSimulation.OpenTimeout - TimeSpan.FromSeconds(1), Up);
        _fleet["consumer-1"].State.ShouldBe(CircuitState.Open);
        _fleet.Advance(TimeSpan.FromSeconds(1), Up);

        _fleet["consumer-1"].State.ShouldBe(CircuitState.Closed);
        _fleet["consumer-3"].State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void When_the_probers_call_hangs_the_others_wait_the_grace_then_probe_for_themselves()
    {
        Start("consumer-1", "consumer-2", "consumer-3");
        _fleet.Traffic(Down);
        _fleet["consumer-2"].Hanging = true;

        _fleet.Advance(FleetSimulation.OpenTimeout + FleetSimulation.ProbeGrace - TimeSpan.FromSeconds(1), Up);
        _fleet["consumer-2"].Probes.ShouldBe(1);
        _fleet["consumer-1"].State.ShouldBe(CircuitState.Open);
        _fleet["consumer-3"].State.ShouldBe(CircuitState.Open);

        _fleet.Advance(TimeSpan.FromSeconds(1), Up);

        _fleet["consumer-1"].State.ShouldBe(CircuitState.Closed);
        _fleet["consumer-3"].State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void An_instance_that_stops_reporting_drops_out_after_three_heartbeats_and_is_not_named_prober()
    {
        Start("consumer-1", "consumer-2", "consumer-3");
        _fleet["consumer-1"].Fleet.Members().ShouldBe(["consumer-1", "consumer-2", "consumer-3"]);
        var gone = _fleet["consumer-2"];
        gone.Reporting = false;

        _fleet.Advance(FleetSimulation.Heartbeat * 3 + TimeSpan.FromSeconds(1), Up);
        _fleet["consumer-1"].Fleet.Members().ShouldBe(["consumer-1", "consumer-3"]);

        _fleet.Remove(gone);
        _fleet.Traffic(Down);
        _fleet["consumer-3"].Fleet.View!.Prober.ShouldBe("consumer-3");
    }

    [Fact]
    public void Without_the_broker_each_instance_is_its_own_breaker()
    {
        Start("consumer-1", "consumer-2");
        _fleet.Connected = false;

        _fleet.Traffic(Down);

        _fleet.Nodes.ShouldAllBe(n => n.State == CircuitState.Open && n.PortalCalls == 5);
        _fleet.Advance(FleetSimulation.OpenTimeout, Up);
        _fleet.Nodes.ShouldAllBe(n => n.State == CircuitState.Closed);
    }

    [Fact]
    public void Sharing_off_each_instance_is_its_own_breaker()
    {
        _fleet.Add("consumer-1", fleet: false);
        _fleet.Add("consumer-2", fleet: false);
        _fleet.Exchange();

        _fleet.Traffic(Down);

        _fleet.Nodes.ShouldAllBe(n => n.State == CircuitState.Open && n.PortalCalls == 5);
        _fleet.Nodes.ShouldAllBe(n => n.Fleet.View == null);
    }

    [Fact]
    public void An_older_view_never_replaces_a_newer_one()
    {
        Start("consumer-1", "consumer-2");
        _fleet.Traffic(Down);
        var node = _fleet["consumer-2"];
        var current = node.Fleet.View!;

        var older = current with { State = CircuitBreakerFleetView.Closed, Since = current.Since - TimeSpan.FromSeconds(1), Source = "consumer-9" };
        node.Fleet.OnPeerReport(ReportOf("consumer-9", older));

        node.Fleet.View.ShouldBe(current);
        node.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public void An_isolated_instance_ignores_the_fleet_until_it_is_reset()
    {
        Start("consumer-1", "consumer-2");
        _fleet["consumer-2"].Breaker.Isolate();

        _fleet.Traffic(Down);
        // consumer-2 is named prober and never probes: consumer-1 waits the grace, then probes for itself.
        _fleet.Advance(FleetSimulation.OpenTimeout + FleetSimulation.ProbeGrace, Up);

        _fleet["consumer-1"].State.ShouldBe(CircuitState.Closed);
        _fleet["consumer-2"].Breaker.GetStats().Isolated.ShouldBeTrue();
        _fleet["consumer-2"].Consuming.ShouldBeFalse();
    }

    private CircuitBreakerStatusReported ReportOf(string instance, CircuitBreakerFleetView view) =>
        new(instance, _fleet.Time.GetUtcNow(), FleetSimulation.Heartbeat,
        [
            new CircuitBreakerStatus(CircuitBreakerPresets.DeveloperPortal, "CLOSED", 0, 0, null, _fleet.Time.GetUtcNow(), null, 0, 0, 0, 0, null, [])
            {
                Fleet = view,
            },
        ]);
}
