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
