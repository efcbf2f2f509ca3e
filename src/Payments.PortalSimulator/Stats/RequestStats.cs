using System.Globalization;

namespace Payments.PortalSimulator.Stats;

/// <summary>Counts portal API requests. Thread-safe.</summary>
internal sealed class RequestStats
{
    public const string AbortedKey = "aborted";
    private const string StatusRecordedItem = "sim.status-recorded";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _byStatus = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byTransaction = new(StringComparer.Ordinal);
    private long _total;

    // Counted on arrival, so that a caller reading the stats after it got an answer (or gave up) always sees its request.
    public void RecordArrival(string? transactionId)
    {
        lock (_gate)
        {
            _total++;
            if (transactionId is not null)
            {
                _byTransaction[transactionId] = _byTransaction.GetValueOrDefault(transactionId) + 1;
            }
        }
    }

    public void RecordStatus(HttpContext context, int statusCode) =>
        RecordOutcome(context, statusCode.ToString(CultureInfo.InvariantCulture));

    public void RecordAborted(HttpContext context) => RecordOutcome(context, AbortedKey);

    public StatsSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new StatsSnapshot(
                _total,
                new SortedDictionary<string, long>(_byStatus, StringComparer.Ordinal),
                new SortedDictionary<string, long>(_byTransaction, StringComparer.Ordinal));
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _total = 0;
            _byStatus.Clear();
            _byTransaction.Clear();
        }
    }

    private void RecordOutcome(HttpContext context, string key)
    {
        if (context.Items.ContainsKey(StatusRecordedItem))
        {
            return;
        }

        context.Items[StatusRecordedItem] = true;
        lock (_gate)
        {
            _byStatus[key] = _byStatus.GetValueOrDefault(key) + 1;
        }
    }
}

public sealed record StatsSnapshot(
    long Total,
    IReadOnlyDictionary<string, long> ByStatus,
    IReadOnlyDictionary<string, long> ByTransaction);
