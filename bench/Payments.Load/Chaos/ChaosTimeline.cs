using System.Diagnostics;
using System.Text.Json;
using Payments.Load.Clients;
using Payments.Load.Demo;

namespace Payments.Load.Chaos;

/// <summary>One second of a run: payments by status so far, portal requests so far, the portal breaker's state per instance.</summary>
public sealed record TimelineSample(double Seconds, IReadOnlyDictionary<string, int> States, long PortalRequests, IReadOnlyDictionary<string, string> Breakers)
{
    public int Confirmed => States.GetValueOrDefault(Payments.Contracts.PaymentStatuses.Confirmed);
}

/// <summary>A moment of a run worth marking on its timeline (a fault step), in seconds since the timeline started.</summary>
public sealed record TimelineMark(double Seconds, string Label);

/// <summary>
/// Samples a run once a second from outside (the payments by status that <paramref name="states"/> reads, the simulator's
/// request counter, the API's breaker document) for its live line and its picture (<see cref="TimelinePicture"/>).
/// </summary>
public sealed class ChaosTimeline(Func<CancellationToken, Task<IReadOnlyDictionary<string, int>>> states, SimulatorClient simulator, PaymentsApiClient api)
{
    private readonly List<TimelineSample> _samples = [];
    private readonly List<TimelineMark> _marks = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, string> _lastBreakers = new Dictionary<string, string>(StringComparer.Ordinal);
    private long _lastPortalRequests;

    public IReadOnlyList<TimelineSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }

    public IReadOnlyList<TimelineMark> Marks
    {
        get
        {
            lock (_gate)
            {
                return [.. _marks];
            }
        }
    }

    /// <summary>The newest sample, or null before the first.</summary>
    public TimelineSample? Latest
    {
        get
        {
            lock (_gate)
            {
                return _samples.Count == 0 ? null : _samples[^1];
            }
        }
    }

    /// <summary>Seconds since the timeline started, the time base of the samples and the marks.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public void Mark(string label)
    {
        lock (_gate)
        {
            _marks.Add(new TimelineMark(Now, label));
        }
    }

    /// <summary>Samples once a second until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var ticks = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            var seconds = Now;
            var counts = await Quietly<IReadOnlyDictionary<string, int>?>(async () => await states(cancellationToken), null);
            var requests = await Quietly(() => simulator.GetTotalRequestsAsync(cancellationToken), _lastPortalRequests);
            _lastPortalRequests = requests;
            // While the API is down the breakers are not known; the line keeps the last state seen.
            _lastBreakers = await Quietly(() => BreakersAsync(cancellationToken), _lastBreakers);
            if (counts is not null)
            {
                lock (_gate)
                {
                    _samples.Add(new TimelineSample(seconds, counts, requests, _lastBreakers));
                }
            }
        }
        while (await WaitAsync(ticks, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer ticks, CancellationToken cancellationToken)
    {
        try
        {
            return await ticks.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> BreakersAsync(CancellationToken cancellationToken)
    {
        var health = await api.GetCircuitBreakersAsync(cancellationToken);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var breaker in health.GetProperty("circuitBreakers").EnumerateArray())
        {
            if (breaker.GetProperty("name").GetString() == BreakerStates.PortalBreaker)
            {
                found[breaker.GetProperty("instance").GetString() ?? "?"] = breaker.GetProperty("state").GetString() ?? "?";
            }
        }

        return found;
    }

    /// <summary>A sample the stack cannot give while it is broken (the API killed, PostgreSQL frozen) is skipped, not fatal.</summary>
    private static async Task<T> Quietly<T>(Func<Task<T>> read, T fallback)
    {
        try
        {
            return await read().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception exception) when (exception is HttpRequestException or TimeoutException or TaskCanceledException or JsonException or Npgsql.NpgsqlException or InvalidOperationException or KeyNotFoundException)
        {
            return fallback;
        }
    }
}
