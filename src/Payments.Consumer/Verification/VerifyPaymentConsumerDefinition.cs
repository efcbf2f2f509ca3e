using MassTransit;
using Microsoft.Extensions.Options;

namespace Payments.Consumer.Verification;

/// <summary>
/// Endpoint policy of <c>verify-payment</c>: concurrency from options, and scheduled redelivery through the message
/// scheduler (broker-native delays on RabbitMQ) for real failures, then <c>verify-payment_error</c> and <c>Fault&lt;VerifyPayment&gt;</c>.
/// </summary>
public sealed class VerifyPaymentConsumerDefinition : ConsumerDefinition<VerifyPaymentConsumer>
{
    public const string QueueName = "verify-payment";

    private readonly VerificationOptions _options;

    public VerifyPaymentConsumerDefinition(IOptions<VerificationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        ConcurrentMessageLimit = _options.ConcurrencyLimit;
        Endpoint(endpoint =>
        {
            endpoint.Name = QueueName;
            endpoint.ConcurrentMessageLimit = _options.ConcurrencyLimit;
        });
    }

    /// <summary>
    /// The redelivery delays: the first one, doubling up to the cap (5, 10, 20, ... 300 s by default). MassTransit's
    /// <c>Exponential</c> policy computes <c>min + 2^n * delta</c> with two layers of randomness, which neither starts
    /// at the minimum nor doubles; a fixed schedule is exact and testable, and the herd that a portal outage would
    /// release at once is already spread by the breaker: once it opens, messages are deferred with jitter instead.
    /// </summary>
    public static TimeSpan[] RedeliveryIntervals(VerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Backoff.DoublingSchedule(options.RedeliveryLimit, options.RedeliveryMinInterval, options.RedeliveryMaxInterval);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<VerifyPaymentConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // No in-memory immediate retries: every attempt against a failing portal counts towards opening the breaker
        // and adds load to it; a redelivery a few seconds later is the retry.
        var intervals = RedeliveryIntervals(_options);
        if (intervals.Length > 0)
        {
            endpointConfigurator.UseScheduledRedelivery(retry => retry.Intervals(intervals));
        }
    }
}
