using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

internal static class TestBreakers
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider NewTime() => new(Start);

    public static CircuitBreaker Create(
        FakeTimeProvider time,
        int failureThreshold = 5,
        int successThreshold = 2,
        TimeSpan? openTimeout = null,
        int halfOpenPermits = 1,
        TimeSpan? probeTimeout = null,
        ILogger? logger = null,
        CircuitBreakerTelemetry? telemetry = null,
        string name = "Test") =>
        new(
            name,
            new CircuitBreakerOptions
            {
                FailureThreshold = failureThreshold,
                SuccessThreshold = successThreshold,
                OpenTimeout = openTimeout ?? TimeSpan.FromSeconds(30),
                HalfOpenPermits = halfOpenPermits,
                ProbeTimeout = probeTimeout ?? TimeSpan.FromSeconds(30),
            },
            time,
            logger,
            telemetry);

    public static ValueTask<int> Ok(CancellationToken cancellationToken) => ValueTask.FromResult(1);

    public static ValueTask<int> Fail(CancellationToken cancellationToken) =>
        ValueTask.FromException<int>(new InvalidOperationException("dependency failed"));

    public static async Task SucceedAsync(this CircuitBreaker breaker, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            (await breaker.ExecuteAsync(Ok)).ShouldBe(1);
        }
    }

    public static async Task FailAsync(this CircuitBreaker breaker, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            await Should.ThrowAsync<InvalidOperationException>(async () => await breaker.ExecuteAsync(Fail));
        }
    }

    public static void Fail(this CircuitBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.TryAcquire(out var permit, out _).ShouldBeTrue();
            permit.Complete(CallOutcome.Failure);
        }
    }

    public static void Succeed(this CircuitBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.TryAcquire(out var permit, out _).ShouldBeTrue();
            permit.Complete(CallOutcome.Success);
        }
    }
}
