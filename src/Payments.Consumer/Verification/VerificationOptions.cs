using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.Verification;

/// <summary>Configuration section <c>Verification</c>: endpoint concurrency, redelivery, pending backoff and deferral jitter.</summary>
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

    /// <summary>An open-circuit deferral waits the breaker's RetryAfter plus up to this fraction of it.</summary>
    [Range(0.0, 1.0)]
    public double DeferralJitterRatio { get; set; } = 0.2;

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
    }
}
