using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.Verification;

/// <summary>
/// Configuration section <c>Verification</c>: endpoint concurrency, redelivery, pending backoff and budget, deferral jitter,
/// and the reconciler.
/// </summary>
public sealed class VerificationOptions : IValidatableObject
{
    public const string SectionName = "Verification";

    /// <summary>Messages processed at once by one consumer instance (also bounds the prefetch).</summary>
    [Range(1, 1024)]
    public int ConcurrencyLimit { get; set; } = 16;

    /// <summary>Scheduled redeliveries after real failures before the message goes to <c>verify-payment_error</c>.</summary>
    [Range(0, 100)]
    public int RedeliveryLimit { get; set; } = 10;

    /// <summary>First redelivery delay; each next one doubles up to <see cref="RedeliveryMaxInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RedeliveryMinInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RedeliveryMaxInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First re-check delay for a pending transaction; each next one doubles up to <see cref="PendingMaxInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PendingMinInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PendingMaxInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>An open-circuit deferral waits the breaker's RetryAfter plus up to this fraction of it...</summary>
    [Range(0.0, 1.0)]
    public double DeferralJitterRatio { get; set; } = 0.2;

    /// <summary>
    /// ...and at most this much. The endpoint pauses while the circuit is open, so only the messages in flight when it opened
    /// are deferred: a small herd, and a long spread would only keep them waiting after the circuit closed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DeferralJitterMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A rejection in HALF_OPEN (the probe is out) is deferred this long plus jitter instead of the breaker's RetryAfter,
    /// which there is only the probe's timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HalfOpenDeferral { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A portal <c>not_found</c> within this long of the first answer is treated as pending (the transaction may not be
    /// indexed yet); after it, as unknown (failed).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan NotFoundGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long after the first answer a transaction may stay pending before the intent goes to review.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PendingGiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A verifying intent whose next report is overdue by this much has nobody working on it: the reconciler re-sends its
    /// command.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the reconciler looks for stuck intents.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most intents one reconciler pass takes on.</summary>
    [Range(1, 10_000)]
    public int ReconcileBatchSize { get; set; } = 500;

    /// <summary>
    /// The longest a live verification chain stays silent between two reports: a pending re-check, a redelivery after a
    /// failure. A resubmission of the same transaction re-sends the command only when the chain is overdue by more.
    /// </summary>
    public TimeSpan LongestRecheckInterval => PendingMaxInterval > RedeliveryMaxInterval ? PendingMaxInterval : RedeliveryMaxInterval;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RedeliveryMaxInterval < RedeliveryMinInterval)
        {
            yield return new ValidationResult(
                $"{nameof(RedeliveryMaxInterval)} must not be shorter than {nameof(RedeliveryMinInterval)}.",
                [nameof(RedeliveryMaxInterval)]);
        }

        if (PendingMaxInterval < PendingMinInterval)
        {
            yield return new ValidationResult(
                $"{nameof(PendingMaxInterval)} must not be shorter than {nameof(PendingMinInterval)}.",
                [nameof(PendingMaxInterval)]);
        }

        if (PendingGiveUpAfter < PendingMaxInterval)
        {
            yield return new ValidationResult(
                $"{nameof(PendingGiveUpAfter)} must not be shorter than {nameof(PendingMaxInterval)}.",
                [nameof(PendingGiveUpAfter)]);
        }
    }
}
