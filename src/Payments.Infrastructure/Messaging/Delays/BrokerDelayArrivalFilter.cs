using MassTransit;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Measures, for every delayed message that arrives, how long it overstayed in each delay level
/// (<see cref="DelayOverstay"/>). Only messages the delay levels handed over count, on their first delivery: RabbitMQ
/// reports the exchange a message was last dead-lettered to: the delivery exchange after a wait in level 00, the next
/// level's exchange when the last wait was in a higher level. A message moved back from an error or parking queue, or
/// redelivered after a consumer crash, is not measured again.
/// </summary>
internal sealed class BrokerDelayArrivalFilter : IFilter<ConsumeContext>
{
    private readonly DelayTelemetry _telemetry;

    public BrokerDelayArrivalFilter(DelayTelemetry telemetry) => _telemetry = telemetry;

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.ReceiveContext is RabbitMqBasicConsumeContext rabbit && !context.ReceiveContext.Redelivered && CameOutOfTheLevels(rabbit.Exchange))
        {
            foreach (var (level, overstay) in DelayOverstay.Measure(rabbit.Properties.Headers))
            {
                _telemetry.RecordOverstay(level, overstay);
            }
        }

        return next.Send(context);
    }

    private static bool CameOutOfTheLevels(string exchange) =>
        exchange == DelayRouting.DeliveryExchange || DelayRouting.TryParseLevel(exchange, out _);

    public void Probe(ProbeContext context) => context.CreateFilterScope("brokerDelayArrival");
}
