using System.Diagnostics.Metrics;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>Metrics of the broker-native delays, on the <c>Payments.Infrastructure</c> meter.</summary>
internal sealed class DelayTelemetry
{
    public const string MeterName = "Payments.Infrastructure";

    /// <summary>The level queue's name, as RabbitMQ's own metrics label it.</summary>
    public const string QueueTag = "queue";

    // Fine near zero (a healthy level overstays by milliseconds, seen through whole-second broker timestamps), then coarse.
    private static readonly double[] _overstayBuckets = [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600];

    private readonly Histogram<double> _overstay;

    public DelayTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _overstay = meter.CreateHistogram(
            "payments.delay.level.overstay", "s",
            "How much longer than its TTL a delayed message stayed in a delay level, measured when it arrives at its destination.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _overstayBuckets });
    }

    public void RecordOverstay(int level, TimeSpan overstay) =>
        _overstay.Record(overstay.TotalSeconds, new KeyValuePair<string, object?>(QueueTag, DelayRouting.LevelName(level)));
}
