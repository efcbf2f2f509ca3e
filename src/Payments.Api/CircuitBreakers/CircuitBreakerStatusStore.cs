using System.Collections.Concurrent;
using Payments.Contracts;

namespace Payments.Api.CircuitBreakers;

/// <summary>
/// The latest breaker report of every consumer instance. An instance silent for three of its heartbeat intervals is dropped:
/// it stopped or lost the broker, and its last word is no longer news.
/// </summary>
internal sealed class CircuitBreakerStatusStore(TimeProvider time)
{
    private const int MissedHeartbeatsBeforeDrop = 3;

    private readonly ConcurrentDictionary<string, Entry> _instances = new(StringComparer.Ordinal);

    public void Update(CircuitBreakerStatusReported report)
    {
        var entry = new Entry(report, time.GetUtcNow());
        // Reports can overtake each other on the way; keep the newest the instance made.
        _instances.AddOrUpdate(report.Instance, entry, (_, current) => current.Report.ReportedAt > report.ReportedAt ? current : entry);
    }

    public IReadOnlyList<CircuitBreakerStatusReported> Current()
    {
        var now = time.GetUtcNow();
        foreach (var (instance, entry) in _instances)
        {
            if (now - entry.ReceivedAt > entry.Report.HeartbeatInterval * MissedHeartbeatsBeforeDrop)
            {
                _instances.TryRemove(new KeyValuePair<string, Entry>(instance, entry));
            }
        }

        return _instances.Values.Select(e => e.Report).OrderBy(r => r.Instance, StringComparer.Ordinal).ToList();
    }

    private sealed record Entry(CircuitBreakerStatusReported Report, DateTimeOffset ReceivedAt);
}
