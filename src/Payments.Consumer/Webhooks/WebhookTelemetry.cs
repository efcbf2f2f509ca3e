using System.Diagnostics.Metrics;
using Payments.Consumer.Verification;

namespace Payments.Consumer.Webhooks;

/// <summary>Metrics of webhook delivery, on the <c>Payments.Consumer</c> meter, by client and outcome.</summary>
public sealed class WebhookTelemetry
{
    public const string ClientTag = "client";
    public const string OutcomeTag = "outcome";

    /// <summary>The endpoint answered 2xx.</summary>
    public const string OutcomeDelivered = "delivered";

    /// <summary>The attempt failed; a retry is scheduled.</summary>
    public const string OutcomeFailed = "failed";

    /// <summary>The attempt failed and the retry budget is spent: the event is kept as undelivered.</summary>
    public const string OutcomeUndelivered = "undelivered";

    /// <summary>No attempt: the endpoint's breaker is open (or its concurrency is taken); the event waits, no retry spent.</summary>
    public const string OutcomeDeferred = "deferred";

    /// <summary>A duplicate or outdated command: nothing to do.</summary>
    public const string OutcomeStale = "stale";

    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _resent;

    public WebhookTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(VerificationTelemetry.MeterName);
        _deliveries = meter.CreateCounter<long>(
            "payments.webhook.deliveries", "{delivery}", "Webhook delivery commands handled, by client and outcome.");
        _duration = meter.CreateHistogram<double>(
            "payments.webhook.request.duration", "ms", "Duration of webhook POSTs, by client and outcome.");
        _resent = meter.CreateCounter<long>(
            "payments.webhook.resent", "{event}", "Webhook events sent again: by an operator, or by the sweeper after a lost command.");
    }

    public void RecordDelivery(string client, string outcome) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>(ClientTag, client), new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public void RecordRequest(string client, string outcome, TimeSpan elapsed) =>
        _duration.Record(
            elapsed.TotalMilliseconds, new KeyValuePair<string, object?>(ClientTag, client), new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public void RecordResent(string reason) => _resent.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
