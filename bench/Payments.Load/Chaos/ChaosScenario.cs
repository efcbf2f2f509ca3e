namespace Payments.Load.Chaos;

/// <summary>One step of a scenario's fault, <see cref="At"/> after its load started.</summary>
public sealed record FaultStep(TimeSpan At, string Label, Func<CancellationToken, Task> RunAsync);

/// <summary>
/// A fault the stack must survive: payments at a steady rate for <see cref="LoadFor"/>, the <see cref="Steps"/> while they run,
/// then every accepted payment must settle.
/// </summary>
public sealed record ChaosScenario(string Name, string Fault, TimeSpan LoadFor, IReadOnlyList<FaultStep> Steps)
{
    /// <summary>Payments per second; the run's rate when 0.</summary>
    public double Rate { get; init; }

    /// <summary>The portal answers each of this scenario's transactions <c>pending</c> for this long after registering it.</summary>
    public TimeSpan PendingFor { get; init; }

    /// <summary>Runs beside the scenarios after it (a long wait that would otherwise hold the run up); settled at the end.</summary>
    public bool Beside { get; init; }

    /// <summary>Mends what the steps left broken on purpose, once the scenario is settled (a node stopped for good).</summary>
    public Func<CancellationToken, Task>? RestoreAsync { get; init; }
}

/// <summary>The scenarios of <c>./run.sh chaos</c>, in the order they run.</summary>
public static class ChaosScenarios
{
    /// <summary>What the test suite runs: a consumer killed, the API killed, the broker restarted.</summary>
    public static readonly IReadOnlySet<string> Short = new HashSet<string>(StringComparer.Ordinal) { "consumer-kill", "api-kill", "broker-restart" };

    public static IReadOnlyList<ChaosScenario> All(FaultControl faults, Portal portal, int rabbitMqNodes, TimeSpan loadFor, TimeSpan faultAt)
    {
        static FaultStep Step(TimeSpan at, string label, Func<CancellationToken, Task> run) => new(at, label, run);
        Func<CancellationToken, Task> Fault(string action) => token => faults.RunAsync(action, token);
        var at = faultAt;
        var scenarios = new List<ChaosScenario>
        {
            new("portal-pending", "the portal answers pending for two minutes for every transaction", TimeSpan.FromSeconds(20), [])
            {
                Rate = 2,
                PendingFor = TimeSpan.FromMinutes(2),
                Beside = true,
            },
            new("consumer-kill", "kill -9 of consumer instance 1, restarted 5 s later", loadFor,
            [
                Step(at, "consumer-1 killed", Fault("kill-consumer 1")),
                Step(at + TimeSpan.FromSeconds(5), "consumer-1 restarted", Fault("start-consumer 1")),
            ]),
            new("api-kill", "kill -9 of the API, restarted 5 s later; clients retry with the same Idempotency-Key", loadFor,
            [
                Step(at, "API killed", Fault("kill-api")),
                Step(at + TimeSpan.FromSeconds(5), "API restarted", Fault("start-api")),
            ]),
            new("broker-restart", "rabbitmqctl stop_app on every node, start_app 15 s later", loadFor + TimeSpan.FromSeconds(10),
            [
                Step(at, "RabbitMQ stopped", Fault("broker-stop")),
                Step(at + TimeSpan.FromSeconds(15), "RabbitMQ started", Fault("broker-start")),
            ]),
        };
        if (rabbitMqNodes > 1)
        {
            scenarios.Add(new ChaosScenario("node-loss", "RabbitMQ node 1 (the one every service tries first) stopped for good", loadFor,
                [Step(at, "node 1 stopped", Fault("node-stop 1"))])
            {
                RestoreAsync = Fault("node-start 1"),
            });
        }

        scenarios.AddRange(
        [
            new("postgres-restart", "PostgreSQL restarted (pg_ctlcluster restart -m fast)", loadFor,
                [Step(at, "PostgreSQL restarted", Fault("postgres-restart"))]),
            new("postgres-unreachable", "PostgreSQL unreachable for 20 s (every server process stopped with SIGSTOP, then SIGCONT)", loadFor + TimeSpan.FromSeconds(10),
            [
                Step(at, "PostgreSQL frozen", Fault("postgres-freeze")),
                Step(at + TimeSpan.FromSeconds(20), "PostgreSQL thawed", Fault("postgres-thaw")),
            ]),
            new("portal-faults", "the portal down, slow past the client's timeout, 503, 429 with Retry-After, garbage bodies, flaky at 30%, 6 s each", at + TimeSpan.FromSeconds(40),
            [
                Step(at, "portal down", portal.Set(new("down"))),
                Step(at + TimeSpan.FromSeconds(6), "portal slow (15 s)", portal.Set(new("slow", DelayMs: 15_000))),
                Step(at + TimeSpan.FromSeconds(12), "portal 503", portal.Set(new("error", Status: 503))),
                Step(at + TimeSpan.FromSeconds(18), "portal 429, Retry-After 5", portal.Set(new("ratelimit", RetryAfterSeconds: 5))),
                Step(at + TimeSpan.FromSeconds(24), "portal garbage", portal.Set(new("garbage"))),
                Step(at + TimeSpan.FromSeconds(30), "portal flaky 30%", portal.Set(new("flaky", Status: 503, FailureRate: 0.3, Seed: 14))),
                Step(at + TimeSpan.FromSeconds(36), "portal healthy", portal.Set(new("none"))),
            ]),
            new("everything-at-once", "for a minute: the portal flaky at 30%, RabbitMQ stopped (15 s) and consumer instance 1 killed while it is", at + TimeSpan.FromSeconds(65),
            [
                Step(at, "portal flaky 30%", portal.Set(new("flaky", Status: 503, FailureRate: 0.3, Seed: 6))),
                Step(at + TimeSpan.FromSeconds(2), "RabbitMQ stopped", Fault("broker-stop")),
                Step(at + TimeSpan.FromSeconds(5), "consumer-1 killed", Fault("kill-consumer 1")),
                Step(at + TimeSpan.FromSeconds(17), "RabbitMQ started", Fault("broker-start")),
                Step(at + TimeSpan.FromSeconds(22), "consumer-1 restarted", Fault("start-consumer 1")),
                Step(at + TimeSpan.FromSeconds(60), "portal healthy", portal.Set(new("none"))),
            ]),
        ]);
        return scenarios;
    }
}
