using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

public class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = TestBreakers.NewTime();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Half_open_lets_exactly_the_permitted_number_of_concurrent_probes_reach_the_operation(int permits)
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 100, halfOpenPermits: permits);
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var allRejected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = 0;
        var rejected = 0;

        var calls = Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            try
            {
                return await breaker.ExecuteAsync(async _ =>
                {
                    Interlocked.Increment(ref reached);
                    return await gate.Task;
                });
            }
            catch (CircuitBreakerOpenException exception)
            {
                exception.State.ShouldBe(CircuitState.HalfOpen);
                exception.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
                if (Interlocked.Increment(ref rejected) == 100 - permits)
                {
                    allRejected.SetResult();
                }

                return 0;
            }
        })).ToArray();

        await allRejected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Volatile.Read(ref reached).ShouldBe(permits);
        gate.SetResult(1);
        (await Task.WhenAll(calls)).Sum().ShouldBe(permits);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.HalfOpen);
        stats.Successes.ShouldBe(permits);
        stats.TotalRejected.ShouldBe(100 - permits);
        stats.RetryAfter.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void A_hung_probe_gives_its_permit_back_after_the_probe_timeout_and_its_late_result_moves_nothing()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, probeTimeout: TimeSpan.FromSeconds(10));
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var hung, out _).ShouldBeTrue();

        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(4));
        breaker.TryAcquire(out _, out retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(6));

        _time.Advance(TimeSpan.FromSeconds(6));
        breaker.TryAcquire(out var next, out _).ShouldBeTrue();
        next.IsProbe.ShouldBeTrue();
        next.Complete(CallOutcome.Success);
        breaker.State.ShouldBe(CircuitState.Closed);

        hung.Complete(CallOutcome.Failure);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Closed);
        stats.Failures.ShouldBe(0);
        stats.TotalFailures.ShouldBe(2);
        stats.TotalSuccesses.ShouldBe(1);
    }

    [Fact]
    public void A_second_complete_of_a_probe_is_ignored()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 2);
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();

        probe.Complete(CallOutcome.Success);
        probe.Complete(CallOutcome.Success);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.HalfOpen);
        stats.Successes.ShouldBe(1);
        stats.TotalSuccesses.ShouldBe(1);
    }

    [Fact]
    public void Ignored_outcomes_move_nothing_in_closed()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 3);
        breaker.Fail(2);

        for (var i = 0; i < 10; i++)
        {
            breaker.TryAcquire(out var permit, out _).ShouldBeTrue();
            permit.Complete(CallOutcome.Ignored);
        }

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Closed);
        stats.Failures.ShouldBe(2);
        stats.TotalIgnored.ShouldBe(10);
        stats.TotalAttempts.ShouldBe(12);
        breaker.Fail(1);
        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public void An_ignored_probe_returns_its_permit_without_counting_towards_closing()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1);
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();

        probe.Complete(CallOutcome.Ignored);

        breaker.State.ShouldBe(CircuitState.HalfOpen);
        breaker.GetStats().Successes.ShouldBe(0);
        breaker.TryAcquire(out var next, out _).ShouldBeTrue();
        next.IsProbe.ShouldBeTrue();
    }

    [Fact]
    public async Task Cancellation_by_the_caller_neither_opens_nor_closes_the_circuit()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(async () => await breaker.ExecuteAsync(
            ct => ValueTask.FromException<int>(new OperationCanceledException(ct)),
            static (_, _) => CallOutcome.Failure,
            cancellation.Token));
        breaker.State.ShouldBe(CircuitState.Closed);

        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        await Should.ThrowAsync<TaskCanceledException>(async () => await breaker.ExecuteAsync(
            async ct =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, ct);
                return 1;
            },
            cancellation.Token));

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.HalfOpen);
        stats.TotalIgnored.ShouldBe(2);
        stats.TotalFailures.ShouldBe(1);
        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();
        probe.IsProbe.ShouldBeTrue();
    }

    [Fact]
    public async Task A_timeout_reported_as_cancellation_counts_as_a_failure()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);

        await Should.ThrowAsync<TaskCanceledException>(async () => await breaker.ExecuteAsync(
            _ => ValueTask.FromException<int>(new TaskCanceledException("timed out", new TimeoutException()))));

        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public async Task The_classifier_decides_and_the_operation_exception_is_rethrown()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        var seen = new List<(int, Exception?)>();

        (await breaker.ExecuteAsync(_ => ValueTask.FromResult(404), (result, exception) =>
        {
            seen.Add((result, exception));
            return CallOutcome.Ignored;
        })).ShouldBe(404);
        var thrown = await Should.ThrowAsync<InvalidOperationException>(async () => await breaker.ExecuteAsync(TestBreakers.Fail, (result, exception) =>
        {
            seen.Add((result, exception));
            return CallOutcome.Ignored;
        }));

        seen.Count.ShouldBe(2);
        seen[0].ShouldBe((404, null));
        seen[1].Item2.ShouldBeSameAs(thrown);
        breaker.State.ShouldBe(CircuitState.Closed);
        breaker.GetStats().TotalIgnored.ShouldBe(2);
    }

    [Fact]
    public async Task An_operation_that_throws_synchronously_is_classified_and_rethrown()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);

        await Should.ThrowAsync<InvalidOperationException>(async () =>
            await breaker.ExecuteAsync<int>(_ => throw new InvalidOperationException("sync")));

        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public async Task An_asynchronously_completing_operation_is_counted_when_it_completes()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = breaker.ExecuteAsync(async _ => await gate.Task);
        breaker.GetStats().TotalSuccesses.ShouldBe(0);
        gate.SetException(new InvalidOperationException("late"));

        await Should.ThrowAsync<InvalidOperationException>(async () => await call);
        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public void A_result_from_an_older_generation_does_not_move_the_state()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1);
        breaker.TryAcquire(out var old, out _).ShouldBeTrue();
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed(1);
        breaker.State.ShouldBe(CircuitState.Closed);

        old.Complete(CallOutcome.Failure);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Closed);
        stats.Failures.ShouldBe(0);
        stats.TotalFailures.ShouldBe(2);
    }

    [Fact]
    public void A_result_from_before_a_reset_does_not_move_the_state()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        breaker.TryAcquire(out var old, out _).ShouldBeTrue();

        breaker.Reset();
        old.Complete(CallOutcome.Failure);

        breaker.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void A_probe_from_an_older_half_open_period_does_not_move_the_state()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, halfOpenPermits: 2);
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var first, out _).ShouldBeTrue();
        breaker.TryAcquire(out var second, out _).ShouldBeTrue();

        first.Complete(CallOutcome.Failure);
        second.Complete(CallOutcome.Success);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Open);
        stats.TotalSuccesses.ShouldBe(1);
        stats.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Every_rejection_carries_the_time_left_until_a_probe_may_run()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, openTimeout: TimeSpan.FromSeconds(30));
        breaker.GetStats().RetryAfter.ShouldBeNull();
        breaker.Fail(1);

        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(12));
        var exception = await Should.ThrowAsync<CircuitBreakerOpenException>(async () => await breaker.ExecuteAsync(TestBreakers.Ok));
        exception.RetryAfter.ShouldBe(TimeSpan.FromSeconds(18));
        breaker.GetStats().RetryAfter.ShouldBe(TimeSpan.FromSeconds(18));

        _time.Advance(TimeSpan.FromSeconds(20));
        breaker.State.ShouldBe(CircuitState.Open);
        breaker.GetStats().RetryAfter.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public async Task Isolate_holds_the_circuit_open_until_reset()
    {
        var breaker = TestBreakers.Create(_time, openTimeout: TimeSpan.FromSeconds(30));
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += changes.Add;

        breaker.Isolate();
        _time.Advance(TimeSpan.FromHours(1));

        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(30));
        var exception = await Should.ThrowAsync<CircuitBreakerOpenException>(async () => await breaker.ExecuteAsync(TestBreakers.Ok));
        exception.State.ShouldBe(CircuitState.Open);
        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Open);
        stats.Isolated.ShouldBeTrue();
        stats.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
        stats.OpenedAt.ShouldBe(TestBreakers.Start);

        breaker.Reset();

        breaker.GetStats().Isolated.ShouldBeFalse();
        await breaker.SucceedAsync();
        changes.Select(c => (c.From, c.To)).ShouldBe([(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.Closed)]);
    }

    [Fact]
    public void Isolating_an_open_circuit_keeps_it_open_past_its_timeout()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        breaker.Fail(1);
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += changes.Add;

        breaker.Isolate();
        _time.Advance(TimeSpan.FromMinutes(5));

        breaker.TryAcquire(out _, out _).ShouldBeFalse();
        breaker.State.ShouldBe(CircuitState.Open);
        changes.ShouldBeEmpty();
    }

    [Fact]
    public void Transitions_log_the_exact_line()
    {
        var logger = new FakeLogger();
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, logger: logger, name: "DeveloperPortal");

        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed(1);

        var records = logger.Collector.GetSnapshot();
        records.Select(r => r.Message).ShouldBe(
        [
            "[CircuitBreaker:DeveloperPortal] State transition: CLOSED → OPEN",
            "[CircuitBreaker:DeveloperPortal] State transition: OPEN → HALF_OPEN",
            "[CircuitBreaker:DeveloperPortal] State transition: HALF_OPEN → CLOSED",
        ]);
        records[0].Level.ShouldBe(LogLevel.Warning);
        records[0].Id.Id.ShouldBe(1);
        records[1].Level.ShouldBe(LogLevel.Information);
        records[1].Id.Id.ShouldBe(2);
    }

    [Fact]
    public void State_changes_are_delivered_in_order_outside_the_lock()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        var seen = new List<(CircuitStateChange Change, CircuitBreakerStats? StatsFromOtherThread)>();
        breaker.StateChanged += change =>
        {
            // Another thread can read the breaker while the handler runs: the handler holds no breaker lock.
            CircuitBreakerStats? stats = null;
            var reader = new Thread(() => stats = breaker.GetStats());
            reader.Start();
            reader.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue();
            seen.Add((change, stats));
            if (change.To == CircuitState.Open)
            {
                breaker.Reset();
            }
        };

        breaker.Fail(1);

        seen.Select(s => (s.Change.From, s.Change.To)).ShouldBe([(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.Closed)]);
        seen[0].StatsFromOtherThread!.State.ShouldBe(CircuitState.Open);
        seen[0].Change.At.ShouldBe(TestBreakers.Start);
        seen[0].Change.Name.ShouldBe("Test");
        breaker.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void A_failing_state_change_handler_does_not_stop_the_others_and_is_logged()
    {
        var logger = new FakeLogger();
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, logger: logger);
        var delivered = 0;
        breaker.StateChanged += _ => throw new InvalidOperationException("handler bug");
        breaker.StateChanged += _ => delivered++;

        breaker.Fail(1);

        delivered.ShouldBe(1);
        breaker.State.ShouldBe(CircuitState.Open);
        logger.Collector.GetSnapshot().ShouldContain(r => r.Level == LogLevel.Error && r.Exception is InvalidOperationException);
    }

    [Fact]
    public void Stats_carry_the_state_change_times()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        breaker.GetStats().LastStateChange.ShouldBe(TestBreakers.Start);

        _time.Advance(TimeSpan.FromSeconds(5));
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out _, out _).ShouldBeTrue();

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.HalfOpen);
        stats.LastStateChange.ShouldBe(TestBreakers.Start.AddSeconds(35));
        stats.OpenedAt.ShouldBe(TestBreakers.Start.AddSeconds(5));
        stats.LastFailureTime.ShouldBe(TestBreakers.Start.AddSeconds(5));
    }

    [Fact]
    public void Invalid_options_are_refused_by_the_constructor_with_the_key_named()
    {
        var exception = Should.Throw<ArgumentException>(() => TestBreakers.Create(_time, failureThreshold: 0, name: "DeveloperPortal"));

        exception.Message.ShouldContain("CircuitBreakers:DeveloperPortal:FailureThreshold must be at least 1");
    }

    [Fact]
    public void The_state_is_rendered_in_upper_snake_case_in_json_and_display()
    {
        CircuitState.HalfOpen.ToDisplayString().ShouldBe("HALF_OPEN");
        JsonSerializer.Serialize(CircuitState.HalfOpen).ShouldBe("\"HALF_OPEN\"");
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
        JsonSerializer.Serialize(TestBreakers.Create(_time).GetStats(), web).ShouldContain("\"state\":\"CLOSED\"");
    }

    [Fact]
    public async Task The_closed_path_and_the_non_throwing_rejection_allocate_nothing()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1);
        Func<CancellationToken, ValueTask<int>> operation = static _ => ValueTask.FromResult(1);
        for (var i = 0; i < 100; i++)
        {
            await breaker.ExecuteAsync(operation);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0;
        for (var i = 0; i < 10_000; i++)
        {
            // Awaiting a synchronously completed ValueTask does not suspend, so the test's own state machine allocates nothing.
            sum += await breaker.ExecuteAsync(operation);
        }

        GC.GetAllocatedBytesForCurrentThread().ShouldBe(before);
        sum.ShouldBe(10_000);

        breaker.Fail(1);
        breaker.TryAcquire(out _, out _).ShouldBeFalse();
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            breaker.TryAcquire(out _, out _);
        }

        GC.GetAllocatedBytesForCurrentThread().ShouldBe(before);
        breaker.GetStats().TotalRejected.ShouldBe(10_001);
    }
}
