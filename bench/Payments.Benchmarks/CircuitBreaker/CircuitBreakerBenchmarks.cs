using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Polly;
using Polly.CircuitBreaker;
using Payments.CircuitBreaker;
using Breaker = Payments.CircuitBreaker.CircuitBreaker;

namespace Payments.Benchmarks.CircuitBreaker;

/// <summary>
/// Our breaker against Polly.Core's circuit breaker (the baseline of each category), in one job so each figure reads as a ratio
/// on the same machine: a closed-state call of a synchronously completed ValueTask, and the rejection of an open circuit through
/// the throwing and the non-throwing entry points.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 10)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CircuitBreakerBenchmarks
{
    private const string Closed = "Closed call";
    private const string OpenThrowing = "Open rejection, throwing";
    private const string OpenNonThrowing = "Open rejection, non-throwing";

    private static readonly Func<CancellationToken, ValueTask<int>> Operation = static _ => ValueTask.FromResult(1);

    private static readonly Func<ResilienceContext, int, ValueTask<Outcome<int>>> OutcomeOperation =
        static (_, state) => ValueTask.FromResult(Outcome.FromResult(state));

    private ResiliencePipeline _pollyClosed = null!;
    private ResiliencePipeline _pollyOpen = null!;
    private Breaker _closed = null!;
    private Breaker _open = null!;
    private Breaker _openPrecise = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pollyClosed = BuildPolly();
        _pollyOpen = BuildPolly();
        for (var i = 0; i < 2; i++)
        {
            try
            {
                _pollyOpen.Execute(static () => throw new InvalidOperationException("trip"));
            }
            catch (InvalidOperationException)
            {
                // Tripping the circuit on purpose.
            }
        }

        var options = new CircuitBreakerOptions { FailureThreshold = 1, OpenTimeout = TimeSpan.FromHours(1) };
        _closed = new Breaker("Closed", options, TimeProvider.System);
        _open = Open(new Breaker("Open", options, TimeProvider.System));
        _openPrecise = Open(new Breaker("OpenPrecise", options, new SystemClockNotTheSystemProvider()));
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Closed)]
    public ValueTask<int> Polly_closed_call() => _pollyClosed.ExecuteAsync(Operation, CancellationToken.None);

    [Benchmark]
    [BenchmarkCategory(Closed)]
    public ValueTask<int> Ours_closed_call() => _closed.ExecuteAsync(Operation, CancellationToken.None);

    [Benchmark]
    [BenchmarkCategory(Closed)]
    public int Ours_closed_call_try_acquire()
    {
        if (_closed.TryAcquire(out var permit, out _))
        {
            permit.Complete(CallOutcome.Success);
            return 1;
        }

        return 0;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(OpenThrowing)]
    public async Task<int> Polly_open_rejection_thrown()
    {
        try
        {
            return await _pollyOpen.ExecuteAsync(Operation, CancellationToken.None);
        }
        catch (BrokenCircuitException)
        {
            return -1;
        }
    }

    [Benchmark]
    [BenchmarkCategory(OpenThrowing)]
    public async Task<int> Ours_open_rejection_thrown()
    {
        try
        {
            return await _open.ExecuteAsync(Operation, CancellationToken.None);
        }
        catch (CircuitBreakerOpenException)
        {
            return -1;
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(OpenNonThrowing)]
    public async ValueTask<int> Polly_open_rejection_outcome()
    {
        var context = ResilienceContextPool.Shared.Get(CancellationToken.None);
        var outcome = await _pollyOpen.ExecuteOutcomeAsync(OutcomeOperation, context, 1);
        ResilienceContextPool.Shared.Return(context);
        return outcome.Exception is null ? outcome.Result : -1;
    }

    [Benchmark]
    [BenchmarkCategory(OpenNonThrowing)]
    public TimeSpan Ours_open_rejection_try_acquire() => _open.TryAcquire(out _, out var retryAfter) ? TimeSpan.Zero : retryAfter;

    // Not a contender: the same rejection through the precise clock only, as with any TimeProvider other than the system one.
    [Benchmark]
    [BenchmarkCategory(OpenNonThrowing)]
    public TimeSpan Ours_open_rejection_try_acquire_precise_clock() =>
        _openPrecise.TryAcquire(out _, out var retryAfter) ? TimeSpan.Zero : retryAfter;

    // Not a contender: the cost of one precise clock read, which a rejection needs only in the last stretch of the open window
    // (CircuitBreaker.CoarseMarginMilliseconds) or with a TimeProvider other than the system one.
    [Benchmark]
    [BenchmarkCategory(OpenNonThrowing)]
    public long Reference_clock_read() => TimeProvider.System.GetTimestamp();

    // Not a contender either: the coarse clock a rejection well inside the open window reads instead, with the system clock.
    [Benchmark]
    [BenchmarkCategory(OpenNonThrowing)]
    public long Reference_coarse_clock_read() => Environment.TickCount64;

    private static Breaker Open(Breaker breaker)
    {
        breaker.TryAcquire(out var permit, out _);
        permit.Complete(CallOutcome.Failure);
        if (breaker.State != Payments.CircuitBreaker.CircuitState.Open)
        {
            throw new InvalidOperationException("The breaker under test did not open.");
        }

        return breaker;
    }

    private static ResiliencePipeline BuildPolly() => new ResiliencePipelineBuilder()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 2,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromHours(1),
        })
        .Build();

    // The base TimeProvider reads the same Stopwatch clock, but is not TimeProvider.System, so the breaker takes its precise path.
    private sealed class SystemClockNotTheSystemProvider : TimeProvider;
}
