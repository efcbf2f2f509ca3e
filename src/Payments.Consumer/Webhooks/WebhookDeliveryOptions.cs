using System.ComponentModel.DataAnnotations;
using Payments.Consumer.Verification;
using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Consumer.Webhooks;

/// <summary>How webhook events are delivered, from section <c>WebhookDelivery</c>.</summary>
public sealed class WebhookDeliveryOptions : IValidatableObject
{
    public const string SectionName = "WebhookDelivery";

    /// <summary>The delivery consumer's queue (kebab-case endpoint name).</summary>
    public const string QueueName = "deliver-webhook";

    /// <summary>
    /// Where delivery commands are sent: the endpoint's exchange, which the consumer declares and binds at start-up (a
    /// "queue:" address would make the sender declare the queue, as a classic one).
    /// </summary>
    public static Uri Address { get; } = new($"exchange:{QueueName}");

    /// <summary>How long one POST may take, connection and response included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay after the first failed attempt; it doubles with every further one, up to <see cref="MaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after an event (or an operator's re-send) retries go on; then it is kept as undelivered.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromDays(3);

    /// <summary>At most this much of an endpoint's answer is read; the rest is never downloaded.</summary>
    [Range(0, 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 4096;

    /// <summary>Deliveries in flight in this process, all endpoints together.</summary>
    [Range(1, 1024)]
    public int ConcurrencyLimit { get; set; } = 32;

    /// <summary>
    /// Deliveries in flight to one endpoint. A slow endpoint holds at most this many of the <see cref="ConcurrencyLimit"/>
    /// slots; its other events wait up to 250 ms for one, then a second through the broker, and come back, so other clients'
    /// deliveries keep their pace.
    /// </summary>
    [Range(1, 1024)]
    public int ConcurrencyPerEndpoint { get; set; } = 4;

    /// <summary>
    /// A pending event whose command is this much past due lost it (a crash between storing the event and sending the
    /// command, a broker that dropped it): the sweeper sends another.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each consumer instance looks for overdue events.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1, 10_000)]
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>A share of the breaker's retry-after added at random to a deferral, so deferred events do not return together.</summary>
    [Range(0.0, 1.0)]
    public double DeferralJitterRatio { get; set; } = 0.2;

    /// <summary>The delay of the attempt after <paramref name="attempts"/> failed ones: doubling from the first, capped.</summary>
    public TimeSpan DelayAfter(int attempts) => Backoff.Doubling(attempts - 1, InitialDelay, MaxDelay);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxDelay < InitialDelay)
        {
            yield return new ValidationResult($"{nameof(MaxDelay)} must not be shorter than {nameof(InitialDelay)}.", [nameof(MaxDelay)]);
        }

        if (MaxDelay > BrokerDelayLimits.MaxDelay)
        {
            yield return new ValidationResult(
                $"{nameof(MaxDelay)} ({MaxDelay:c}) is longer than the broker-native delays can hold ({BrokerDelayLimits.MaxDelay:c}).",
                [nameof(MaxDelay)]);
        }

        if (ConcurrencyPerEndpoint > ConcurrencyLimit)
        {
            yield return new ValidationResult(
                $"{nameof(ConcurrencyPerEndpoint)} must not exceed {nameof(ConcurrencyLimit)}.", [nameof(ConcurrencyPerEndpoint)]);
        }
    }
}
