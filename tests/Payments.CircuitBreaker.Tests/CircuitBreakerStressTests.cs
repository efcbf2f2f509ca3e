using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

public class CircuitBreakerStressTests
{
    private static readonly HashSet<(CircuitState, CircuitState)> LegalTransitions =
    [
        (CircuitState.Closed, CircuitState.Open),
        (CircuitState.Open, CircuitState.HalfOpen),
        (CircuitState.HalfOpen, CircuitState.Closed),
        (CircuitState.HalfOpen, CircuitState.Open),
    ];

    [Fact]
    public async Task Four_tasks_of_250000_random_calls_add_up_exactly_and_make_only_legal_transitions()
    {
        const int Tasks = 4;
        const int CallsPerTask = 250_000;
        var time = TestBreakers.NewTime();
        var breaker = TestBreakers.Create(
            time,
            failureThreshold: 3,
            successThreshold: 2,
            openTimeout: TimeSpan.FromMilliseconds(5),
            halfOpenPermits: 2,
            probeTimeout: TimeSpan.FromMilliseconds(20));
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += change =>
        {
            // Delivery is sequential by design; the lock only makes a violation of that visible as corrupt data, not a crash.
            lock (changes)
            {
                changes.Add(change);
            }
        };

        var results = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(seed => Task.Run(() => Run(breaker, time, seed, CallsPerTask))));

        var stats = breaker.GetStats();
        var totals = results.Aggregate((a, b) => a + b);
        (totals.Acquired + totals.Rejected).ShouldBe(Tasks * CallsPerTask);
        stats.TotalAttempts.ShouldBe(totals.Acquired);
        stats.TotalRejected.ShouldBe(totals.Rejected);
        stats.TotalSuccesses.ShouldBe(totals.Successes);
        stats.TotalFailures.ShouldBe(totals.Failures);
        stats.TotalIgnored.ShouldBe(totals.Ignored);
        (stats.TotalSuccesses + stats.TotalFailures + stats.TotalIgnored).ShouldBe(stats.TotalAttempts);

        changes.Count.ShouldBeGreaterThan(100);
        var previous = CircuitState.Closed;
        foreach (var change in changes)
        {
            change.From.ShouldBe(previous);
            LegalTransitions.ShouldContain((change.From, change.To));
            previous = change.To;
        }

        previous.ShouldBe(stats.State);
    }

    [Fact]
    public async Task Concurrent_resets_and_isolations_keep_the_totals_exact_and_the_notifications_chained()
    {
        const int Tasks = 4;
        const int CallsPerTask = 100_000;
        var time = TestBreakers.NewTime();
        var breaker = TestBreakers.Create(time, failureThreshold: 2, successThreshold: 1, openTimeout: TimeSpan.FromMilliseconds(3), halfOpenPermits: 3);
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += change =>
        {
            lock (changes)
            {
                changes.Add(change);
            }
        };

        var workers = Enumerable.Range(0, Tasks).Select(seed => Task.Run(() => Run(breaker, time, seed, CallsPerTask))).ToArray();
        var control = Task.Run(async () =>
        {
            var random = new Random(42);
            while (!workers.All(w => w.IsCompleted))
            {
                if (random.Next(2) == 0)
                {
                    breaker.Isolate();
                }
                else
                {
                    breaker.Reset();
                }

                await Task.Yield();
            }
        });
        var results = await Task.WhenAll(workers);
        await control;
        breaker.Reset();

        var stats = breaker.GetStats();
        var totals = results.Aggregate((a, b) => a + b);
        stats.TotalAttempts.ShouldBe(totals.Acquired);
        stats.TotalRejected.ShouldBe(totals.Rejected);
        (stats.TotalSuccesses + stats.TotalFailures + stats.TotalIgnored).ShouldBe(stats.TotalAttempts);
        stats.TotalSuccesses.ShouldBe(totals.Successes);
        stats.TotalFailures.ShouldBe(totals.Failures);

        var previous = CircuitState.Closed;
        foreach (var change in changes)
        {
            change.From.ShouldBe(previous);
            change.To.ShouldNotBe(change.From);
            (change.From, change.To).ShouldNotBe((CircuitState.Closed, CircuitState.HalfOpen));
            previous = change.To;
        }

        previous.ShouldBe(CircuitState.Closed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Probes_in_flight_never_exceed_the_half_open_permits(int permits)
    {
        const int Tasks = 4;
        const int CallsPerTask = 50_000;
        var time = TestBreakers.NewTime();

        // No probe outlives its ProbeTimeout (30 s; the run advances fake time by about 3 s), so a probe holds its permit from
        // TryAcquire until Complete and the count below is exactly the permits held.
        var breaker = TestBreakers.Create(
            time, failureThreshold: 2, successThreshold: 3, openTimeout: TimeSpan.FromMilliseconds(2), halfOpenPermits: permits);
        using var start = new Barrier(Tasks);
        var calls = 0L;
        var inFlight = new ConcurrentDictionary<long, StrongBox<int>>();
        var maxInFlight = 0;
        var probes = 0;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            start.SignalAndWait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
            for (var i = 0; i < CallsPerTask; i++)
            {
                if (random.Next(64) == 0)
                {
                    time.Advance(TimeSpan.FromMilliseconds(1));
                }

                Interlocked.Increment(ref calls);
                if (!breaker.TryAcquire(out var permit, out _))
                {
                    continue;
                }

                var outcome = random.Next(100) < 60 ? CallOutcome.Success : CallOutcome.Failure;
                if (!permit.IsProbe)
                {
                    permit.Complete(outcome);
                    continue;
                }

                // Per half-open period (generation): a state change takes every probe's permit back, so probes of an earlier
                // period may still be running when the next period's are let through.
                Interlocked.Increment(ref probes);
                var ofGeneration = inFlight.GetOrAdd(permit.Generation, static _ => new StrongBox<int>());
                var running = Interlocked.Increment(ref ofGeneration.Value);
                for (var seen = Volatile.Read(ref maxInFlight); running > seen; seen = Volatile.Read(ref maxInFlight))
                {
                    Interlocked.CompareExchange(ref maxInFlight, running, seen);
                }

                // Hold the permit until the other threads have made a few calls (bounded: they may have finished), so that they
                // try for a permit while this one is held.
                var until = Interlocked.Read(ref calls) + random.Next(1, 16);
                for (var spins = 0; Interlocked.Read(ref calls) < until && spins < 1_000; spins++)
                {
                    Thread.Yield();
                }

                // Counted down before the permit is given back: a count never includes a permit someone else already holds.
                Interlocked.Decrement(ref ofGeneration.Value);
                permit.Complete(outcome);
            }
        })));

        // Enough probes that the bound was exercised; how many depends on the scheduler (88 to several hundred on a loaded
        // machine), so the floor is low and the overlap below is what shows the bound was approached.
        probes.ShouldBeGreaterThan(10);

        // With several permits, probes did overlap: the bound was tested, not merely never approached.
        maxInFlight.ShouldBeInRange(Math.Min(2, permits), permits);
    }

    [Fact]
    public async Task Results_of_permits_from_an_older_generation_never_move_the_state()
    {
        const int Tasks = 4;
        const int Rounds = 200;
        const int CallsPerRound = 2_000;
        var wait = TimeSpan.FromSeconds(30);
        var time = TestBreakers.NewTime();
        var breaker = TestBreakers.Create(
            time, failureThreshold: 2, successThreshold: 1, openTimeout: TimeSpan.FromMilliseconds(2), halfOpenPermits: 2);
        using var phase = new Barrier(Tasks + 1);
        var completedWhileIsolated = new long[Rounds];

        // Each round: the workers make random calls and keep some of their permits (CLOSED calls and probes, from whatever
        // generation they were issued in); the breaker is isolated; then the workers complete every permit they kept, all at
        // once. While isolated every call is rejected, so each of those results is from an older generation.
        var workers = Enumerable.Range(0, Tasks).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            var held = new List<CircuitPermit>();
            for (var round = 0; round < Rounds; round++)
            {
                for (var i = 0; i < CallsPerRound; i++)
                {
                    if (random.Next(64) == 0)
                    {
                        time.Advance(TimeSpan.FromMilliseconds(1));
                    }

                    if (!breaker.TryAcquire(out var permit, out _))
                    {
                        continue;
                    }

                    var outcome = random.Next(100) < 60 ? CallOutcome.Success : CallOutcome.Failure;
                    if (held.Count < 16 && random.Next(8) == 0)
                    {
                        held.Add(permit);
                    }
                    else
                    {
                        permit.Complete(outcome);
                    }
                }

                phase.SignalAndWait(wait).ShouldBeTrue();
                phase.SignalAndWait(wait).ShouldBeTrue();
                foreach (var permit in held)
                {
                    permit.Complete(random.Next(2) == 0 ? CallOutcome.Success : CallOutcome.Failure);
                }

                Interlocked.Add(ref completedWhileIsolated[round], held.Count);
                held.Clear();
                phase.SignalAndWait(wait).ShouldBeTrue();
                phase.SignalAndWait(wait).ShouldBeTrue();
            }
        })).ToArray();

        for (var round = 0; round < Rounds; round++)
        {
            phase.SignalAndWait(wait).ShouldBeTrue();
            breaker.Isolate();
            var before = breaker.GetStats();
            phase.SignalAndWait(wait).ShouldBeTrue();
            phase.SignalAndWait(wait).ShouldBeTrue();
            var after = breaker.GetStats();

            after.Isolated.ShouldBeTrue();
            (after.Failures, after.Successes, after.LastStateChange, after.OpenedAt, after.LastFailureTime).ShouldBe(
                (before.Failures, before.Successes, before.LastStateChange, before.OpenedAt, before.LastFailureTime));

            // Counted all the same, each exactly once.
            (after.TotalSuccesses + after.TotalFailures - before.TotalSuccesses - before.TotalFailures).ShouldBe(completedWhileIsolated[round]);
            breaker.Reset();
            phase.SignalAndWait(wait).ShouldBeTrue();
        }

        await Task.WhenAll(workers);
        completedWhileIsolated.ShouldAllBe(completed => completed > 0);
    }

    private static Counts Run(CircuitBreaker breaker, FakeTimeProvider time, int seed, int calls)
    {
        var random = new Random(seed);
        var counts = default(Counts);
        var hung = new List<(CircuitPermit Permit, CallOutcome Outcome)>();
        for (var i = 0; i < calls; i++)
        {
            if (random.Next(64) == 0)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            if (!breaker.TryAcquire(out var permit, out var retryAfter))
            {
                retryAfter.ShouldBeGreaterThanOrEqualTo(TimeSpan.Zero);
                counts.Rejected++;
                continue;
            }

            counts.Acquired++;
            var roll = random.Next(100);
            var outcome = roll < 55 ? CallOutcome.Success : roll < 90 ? CallOutcome.Failure : CallOutcome.Ignored;

            // Leave some probes hanging so the probe timeout and late results are exercised too; they complete at the end.
            if (permit.IsProbe && random.Next(4) == 0)
            {
                hung.Add((permit, outcome));
            }
            else
            {
                permit.Complete(outcome);
            }

            switch (outcome)
            {
                case CallOutcome.Success:
                    counts.Successes++;
                    break;
                case CallOutcome.Failure:
                    counts.Failures++;
                    break;
                default:
                    counts.Ignored++;
                    break;
            }
        }

        foreach (var (permit, outcome) in hung)
        {
            permit.Complete(outcome);
        }

        return counts;
    }

    private record struct Counts(long Acquired, long Rejected, long Successes, long Failures, long Ignored)
    {
        public static Counts operator +(Counts a, Counts b) => new(
            a.Acquired + b.Acquired,
            a.Rejected + b.Rejected,
            a.Successes + b.Successes,
            a.Failures + b.Failures,
            a.Ignored + b.Ignored);
    }
}
