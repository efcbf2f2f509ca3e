using System.Diagnostics.Metrics;

namespace Payments.Consumer.Verification;

/// <summary>Metrics of the verification consumer, on the <c>Payments.Consumer</c> meter.</summary>
public sealed class VerificationTelemetry
{
    public const string MeterName = "Payments.Consumer";

    public const string VerdictTag = "verdict";
    public const string ErrorTypeTag = "error.type";

    public const string VerdictConfirmed = "confirmed";
    public const string VerdictRejected = "rejected";
    public const string VerdictPending = "pending";
    public const string VerdictReview = "review";

    private readonly Counter<long> _verdicts;
    private readonly Counter<long> _deferrals;
    private readonly Counter<long> _errors;

    public VerificationTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _verdicts = meter.CreateCounter<long>(
            "payments.verification.verdicts", "{verdict}", "Verdicts reached by the verification consumer.");
        _deferrals = meter.CreateCounter<long>(
            "payments.verification.deferrals", "{deferral}", "Verifications deferred because the portal circuit was open.");
        _errors = meter.CreateCounter<long>(
            "payments.verification.errors", "{error}", "Verification attempts that failed and were handed to redelivery.");
    }

    public void RecordVerdict(string verdict) => _verdicts.Add(1, new KeyValuePair<string, object?>(VerdictTag, verdict));

    public void RecordDeferral() => _deferrals.Add(1);

    public void RecordError(string errorType) => _errors.Add(1, new KeyValuePair<string, object?>(ErrorTypeTag, errorType));
}
