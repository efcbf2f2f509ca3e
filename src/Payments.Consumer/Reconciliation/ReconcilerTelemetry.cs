using System.Diagnostics.Metrics;
using Payments.Consumer.Verification;

namespace Payments.Consumer.Reconciliation;

/// <summary>Metrics of the reconciler, on the <c>Payments.Consumer</c> meter.</summary>
public sealed class ReconcilerTelemetry
{
    public const string KindTag = "kind";
    public const string KindExpired = "expired";
    public const string KindOverdue = "overdue";

    private readonly Counter<long> _handedBack;

    public ReconcilerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(VerificationTelemetry.MeterName);
        _handedBack = meter.CreateCounter<long>(
            "payments.reconciler.handed_back", "{payment}", "Stuck intents the reconciler handed back to their saga.");
    }

    public void Record(int expired, int overdue)
    {
        if (expired > 0)
        {
            _handedBack.Add(expired, new KeyValuePair<string, object?>(KindTag, KindExpired));
        }

        if (overdue > 0)
        {
            _handedBack.Add(overdue, new KeyValuePair<string, object?>(KindTag, KindOverdue));
        }
    }
}
