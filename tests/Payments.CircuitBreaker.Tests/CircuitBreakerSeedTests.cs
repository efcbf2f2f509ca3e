using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

// The seed system's suite, one behaviour per test, on fake time.
public class CircuitBreakerSeedTests
{
    private readonly FakeTimeProvider _time = TestBreakers.NewTime();

    [Fact]
    public void Starts_closed()
    {
        var breaker = TestBreakers.Create(_time);

        breaker.State.ShouldBe(CircuitState.Closed);
        breaker.GetStats().State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public async Task Opens_after_the_failure_threshold_is_reached()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 3);

        await breaker.FailAsync(2);
        breaker.State.ShouldBe(CircuitState.Closed);

        await breaker.FailAsync();
        breaker.State.ShouldBe(CircuitState.Open);
        breaker.GetStats().OpenedAt.ShouldBe(TestBreakers.Start);
    }

    [Fact]
    public async Task Rejects_immediately_when_open_without_calling_the_operation()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 2);
        await breaker.FailAsync(2);
        var calls = 0;

        var exception = await Should.ThrowAsync<CircuitBreakerOpenException>(async () => await breaker.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(1);
        }));

        calls.ShouldBe(0);
        exception.Name.ShouldBe("Test");
        exception.State.ShouldBe(CircuitState.Open);
        exception.Message.ShouldContain("OPEN");
        var stats = breaker.GetStats();
        stats.TotalAttempts.ShouldBe(2);
        stats.TotalRejected.ShouldBe(1);
    }

    [Fact]
    public async Task Goes_half_open_after_the_open_timeout()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, openTimeout: TimeSpan.FromSeconds(30));
        await breaker.FailAsync();

        _time.Advance(TimeSpan.FromSeconds(29.999));
        breaker.TryAcquire(out _, out _).ShouldBeFalse();

        _time.Advance(TimeSpan.FromMilliseconds(1));
        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();
        probe.IsProbe.ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.HalfOpen);
    }

    [Fact]
    public async Task Closes_from_half_open_after_the_success_threshold()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 2);
        await breaker.FailAsync();
        _time.Advance(TimeSpan.FromSeconds(30));

        await breaker.SucceedAsync();
        breaker.State.ShouldBe(CircuitState.HalfOpen);
        breaker.GetStats().Successes.ShouldBe(1);

        await breaker.SucceedAsync();
        breaker.State.ShouldBe(CircuitState.Closed);
        breaker.GetStats().Failures.ShouldBe(0);
        breaker.GetStats().Successes.ShouldBe(0);
    }

    [Fact]
    public async Task Reopens_from_half_open_on_a_failure_and_restarts_the_open_window()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 2);
        await breaker.FailAsync();
        _time.Advance(TimeSpan.FromSeconds(30));
        await breaker.SucceedAsync();

        await breaker.FailAsync();

        breaker.State.ShouldBe(CircuitState.Open);
        var stats = breaker.GetStats();
        stats.OpenedAt.ShouldBe(TestBreakers.Start.AddSeconds(30));
        stats.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Counts_successes_and_failures()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 10);

        await breaker.SucceedAsync(3);
        await breaker.FailAsync(2);

        var stats = breaker.GetStats();
        stats.TotalSuccesses.ShouldBe(3);
        stats.TotalFailures.ShouldBe(2);
        stats.TotalAttempts.ShouldBe(5);
        stats.Failures.ShouldBe(2);
    }

    [Fact]
    public async Task Records_the_last_failure_time()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 10);
        breaker.GetStats().LastFailureTime.ShouldBeNull();

        _time.Advance(TimeSpan.FromSeconds(7));
        await breaker.FailAsync();

        breaker.GetStats().LastFailureTime.ShouldBe(TestBreakers.Start.AddSeconds(7));
    }

    [Fact]
    public async Task Reset_closes_and_clears_the_counts_but_keeps_the_totals()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 2);
        await breaker.FailAsync(2);
        await Should.ThrowAsync<CircuitBreakerOpenException>(async () => await breaker.ExecuteAsync(TestBreakers.Ok));

        breaker.Reset();

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Closed);
        stats.Failures.ShouldBe(0);
        stats.Successes.ShouldBe(0);
        stats.LastFailureTime.ShouldBeNull();
        stats.OpenedAt.ShouldBeNull();
        stats.TotalFailures.ShouldBe(2);
        stats.TotalRejected.ShouldBe(1);
        await breaker.SucceedAsync();
    }

    [Fact]
    public async Task The_developer_portal_preset_opens_at_5_closes_at_2_and_stays_open_30_seconds()
    {
        var breaker = new CircuitBreaker(
            CircuitBreakerPresets.DeveloperPortal,
            CircuitBreakerPresets.For(CircuitBreakerPresets.DeveloperPortal),
            _time);

        await AssertThresholdsAsync(breaker, failures: 5, successes: 2, open: TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_database_preset_opens_at_10_closes_at_3_and_stays_open_60_seconds()
    {
        var breaker = new CircuitBreaker(CircuitBreakerPresets.Database, CircuitBreakerPresets.For(CircuitBreakerPresets.Database), _time);

        await AssertThresholdsAsync(breaker, failures: 10, successes: 3, open: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_custom_breaker_uses_its_own_thresholds_and_a_custom_name_gets_the_defaults()
    {
        var defaults = CircuitBreakerPresets.For("Anything");
        defaults.FailureThreshold.ShouldBe(5);
        defaults.SuccessThreshold.ShouldBe(2);
        defaults.OpenTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        defaults.HalfOpenPermits.ShouldBe(1);
        defaults.ProbeTimeout.ShouldBe(TimeSpan.FromSeconds(30));

        var breaker = TestBreakers.Create(_time, failureThreshold: 3, successThreshold: 4, openTimeout: TimeSpan.FromSeconds(12), name: "Custom");

        await AssertThresholdsAsync(breaker, failures: 3, successes: 4, open: TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task A_success_resets_the_failure_count()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 3);

        await breaker.FailAsync(2);
        await breaker.SucceedAsync();
        breaker.GetStats().Failures.ShouldBe(0);
        await breaker.FailAsync(2);

        breaker.State.ShouldBe(CircuitState.Closed);
        await breaker.FailAsync();
        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public async Task Handles_rapid_transitions_with_thresholds_of_one()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, openTimeout: TimeSpan.FromMilliseconds(50));
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += changes.Add;

        for (var round = 0; round < 3; round++)
        {
            await breaker.FailAsync();
            breaker.State.ShouldBe(CircuitState.Open);
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await breaker.SucceedAsync();
            breaker.State.ShouldBe(CircuitState.Closed);
        }

        changes.Select(c => (c.From, c.To)).ShouldBe(
            Enumerable.Repeat(
                new[]
                {
                    (CircuitState.Closed, CircuitState.Open),
                    (CircuitState.Open, CircuitState.HalfOpen),
                    (CircuitState.HalfOpen, CircuitState.Closed),
                },
                3).SelectMany(x => x));
    }

    private async Task AssertThresholdsAsync(CircuitBreaker breaker, int failures, int successes, TimeSpan open)
    {
        breaker.State.ShouldBe(CircuitState.Closed);
        await breaker.FailAsync(failures - 1);
        breaker.State.ShouldBe(CircuitState.Closed);
        await breaker.FailAsync();
        breaker.State.ShouldBe(CircuitState.Open);

        _time.Advance(open - TimeSpan.FromMilliseconds(1));
        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromMilliseconds(1));
        _time.Advance(TimeSpan.FromMilliseconds(1));

        await breaker.SucceedAsync(successes - 1);
        breaker.State.ShouldBe(CircuitState.HalfOpen);
        await breaker.SucceedAsync();
        breaker.State.ShouldBe(CircuitState.Closed);
    }
}
