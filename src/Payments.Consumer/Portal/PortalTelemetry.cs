using System.Diagnostics.Metrics;

namespace Payments.Consumer.Portal;

/// <summary>Latency of Developer Portal requests, on the <c>Payments.Consumer</c> meter.</summary>
public sealed class PortalTelemetry
{
    public const string MeterName = "Payments.Consumer";
    public const string RequestDurationInstrument = "payments.portal.request.duration";
    public const string OutcomeTag = "outcome";

    public const string OutcomeFound = "found";
    public const string OutcomeNotFound = "not_found";
    public const string OutcomeHttpError = "http_error";
    public const string OutcomeTimeout = "timeout";
    public const string OutcomeConnectionError = "connection_error";
    public const string OutcomeUnparsable = "unparsable";
    public const string OutcomeCancelled = "cancelled";
    public const string OutcomeError = "error";

    private readonly Histogram<double> _duration;

    public PortalTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _duration = meter.CreateHistogram<double>(
            RequestDurationInstrument, "ms", "Duration of Developer Portal transaction lookups that reached the network.");
    }

    public void RecordRequest(TimeSpan elapsed, string outcome) =>
        _duration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    internal static string OutcomeOf(PortalRequestException exception) => exception.Kind switch
    {
        PortalFailureKind.Timeout => OutcomeTimeout,
        PortalFailureKind.Connection => OutcomeConnectionError,
        PortalFailureKind.Unparsable => OutcomeUnparsable,
        _ => OutcomeHttpError,
    };
}
