using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Payments.CircuitBreaker;
using Payments.Consumer.CircuitBreakers;
using Payments.Contracts;

namespace Payments.Consumer.Tests.CircuitBreakers;

/// <summary>
/// Consumer instances on one fake clock, each with its own breaker, fleet and endpoint pause as the worker wires them, and a
/// bus that is a loop over their reports: every instance's report reaches every other one, in rounds, until nothing changes.
/// Calls are made only by instances whose endpoint would be consuming, as on the broker.
/// </summary>
internal sealed class FleetSimulation : IDisposable
{
    public static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ProbeGrace = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    private readonly List<Node> _nodes = [];

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Broker reachable: reports are exchanged. Off, every instance is on its own.</summary>
    public bool Connected { get; set; } = true;

    public Node this[string id] => _nodes.Single(n => n.Id == id);

    public Node Add(string id, bool fleet = true)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CircuitBreakerReporting:InstanceId"] = id,
                ["CircuitBreakerReporting:HeartbeatInterval"] = Heartbeat.ToString(),
                ["CircuitBreakerFleet:Enabled"] = fleet ? "true" : "false",
                ["CircuitBreakerFleet:ProbeGrace"] = ProbeGrace.ToString(),
                ["CircuitBreakers:DeveloperPortal:OpenTimeout"] = OpenTimeout.ToString(),
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<IHostApplicationLifetime, StubLifetime>();
        services.AddCircuitBreakers(configuration);
        services.AddCircuitBreakerReporting(configuration);
        services.AddEndpointPause("verify-payment", CircuitBreakerPresets.DeveloperPortal);
        var node = new Node(id, services.BuildServiceProvider(), this);
        _nodes.Add(node);
        return node;
    }

    public void Remove(Node node)
    {
        _nodes.Remove(node);
        node.Dispose();
    }

    /// <summary>Delivers every instance's current report to every other one until no view changes any more.</summary>
    public void Exchange()
    {
        if (!Connected)
        {
            return;
        }

        for (var round = 0; round < 10; round++)
        {
            var changed = false;
            foreach (var from in _nodes.Where(n => n.Reporting).ToList())
            {
                var report = from.Report();
                foreach (var to in _nodes.Where(n => n != from))
                {
                    var before = to.Fleet.View;
                    to.Fleet.OnPeerReport(report);
                    changed |= !Equals(before, to.Fleet.View);
                }
            }

            if (!changed)
            {
                return;
            }
        }

        throw new InvalidOperationException("The views did not settle within ten rounds.");
    }

    /// <summary>Moves the clock on in heartbeat steps (every instance reports at each one) and lets traffic flow meanwhile.</summary>
    public void Advance(TimeSpan by, Func<Node, bool> portalAnswers)
    {
        var end = Time.GetUtcNow() + by;
        while (Time.GetUtcNow() < end)
        {
            var step = end - Time.GetUtcNow();
            Time.Advance(step < TimeSpan.FromSeconds(1) ? step : TimeSpan.FromSeconds(1));
            Traffic(portalAnswers);
            Exchange();
        }
    }

    /// <summary>
    /// Every consuming instance takes one message after another while it has calls let through, as a busy queue would give
    /// it; the outcome of each call is what <paramref name="portalAnswers"/> says for that instance.
    /// </summary>
    public void Traffic(Func<Node, bool> portalAnswers, int messagesPerInstance = 20)
    {
        for (var i = 0; i < messagesPerInstance; i++)
        {
            foreach (var node in _nodes.Where(n => n.Consuming).ToList())
            {
                node.Call(portalAnswers(node));
                Exchange();
            }
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    internal sealed class Node(string id, ServiceProvider services, FleetSimulation simulation) : IDisposable
    {
        public string Id { get; } = id;

        public CircuitBreakerFleet Fleet { get; } = services.GetRequiredService<CircuitBreakerFleet>();

        public CircuitBreaker.CircuitBreaker Breaker { get; } =
            services.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);

        public BreakerEndpointPause Pause { get; } = services.GetRequiredService<BreakerEndpointPause>();

        /// <summary>False once the instance stopped reporting (it stopped or lost the broker).</summary>
        public bool Reporting { get; set; } = true;

        /// <summary>Calls that reached the portal.</summary>
        public int PortalCalls { get; private set; }

        /// <summary>Probes among them.</summary>
        public int Probes { get; private set; }

        public int Rejections { get; private set; }

        /// <summary>Calls never return (a portal that accepts the connection and never answers).</summary>
        public bool Hanging { get; set; }

        public bool Consuming => Reporting && !Pause.Decide().Pause;

        public CircuitState State => Breaker.State;

        public void Call(bool succeeds)
        {
            if (!Breaker.TryAcquire(out var permit, out _))
            {
                Rejections++;
                return;
            }

            PortalCalls++;
            if (permit.IsProbe)
            {
                Probes++;
            }

            if (Hanging)
            {
                return;
            }

            permit.Complete(succeeds ? CallOutcome.Success : CallOutcome.Failure);
        }

        public CircuitBreakerStatusReported Report()
        {
            var stats = Breaker.GetStats();
            var status = new CircuitBreakerStatus(
                stats.Name, stats.State.ToDisplayString(), stats.Failures, stats.Successes, stats.LastFailureTime, stats.LastStateChange,
                stats.OpenedAt, stats.TotalAttempts, stats.TotalFailures, stats.TotalSuccesses, stats.TotalRejected,
                stats.RetryAfter?.TotalSeconds, [])
            {
                Fleet = Fleet.View,
                HeldBy = Fleet.HeldBy,
            };
            return new CircuitBreakerStatusReported(Id, simulation.Time.GetUtcNow(), Heartbeat, [status]);
        }

        public void Dispose() => services.Dispose();
    }

    private sealed class StubLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
