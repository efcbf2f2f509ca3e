using MassTransit;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Runs the caller's send pipe, then makes the message fit for the delay levels: the scheduling token MassTransit's
/// sagas check, the delay routing key, the real destination in the envelope instead of the level exchange, and no
/// per-message TTL.
/// </summary>
internal sealed class BrokerDelaySendPipe<T> : IPipe<SendContext<T>>
    where T : class
{
    // Added by the broker on each dead-lettering hop or quorum redelivery. MassTransit's envelope keeps them out of the
    // consume headers, but a serializer that reads transport headers (raw JSON) would copy them into a redelivery, where
    // they would pile up and say nothing true about the new copy.
    private static readonly string[] _brokerHeaders =
    [
        "x-death",
        "x-first-death-exchange",
        "x-first-death-queue",
        "x-first-death-reason",
        "x-last-death-exchange",
        "x-last-death-queue",
        "x-last-death-reason",
        "x-delivery-count",
    ];

    private readonly IPipe<SendContext<T>> _pipe;
    private readonly Guid _tokenId;
    private readonly Uri _destinationAddress;
    private readonly string? _routingKey;
    private readonly DateTimeOffset? _due;

    // routingKey: the delay routing key, null when the message goes straight to its destination. due: when the levels
    // will hand the message over, stamped for DelayOverstay; with a routing key only.
    public BrokerDelaySendPipe(IPipe<SendContext<T>> pipe, Guid tokenId, Uri destinationAddress, string? routingKey, DateTimeOffset? due = null)
    {
        _pipe = pipe;
        _tokenId = tokenId;
        _destinationAddress = destinationAddress;
        _routingKey = routingKey;
        _due = due;
    }

    public async Task Send(SendContext<T> context)
    {
        if (_pipe.IsNotEmpty())
        {
            await _pipe.Send(context);
        }

        foreach (var header in _brokerHeaders)
        {
            context.Headers.Set(header, null);
        }

        // A due time copied from an earlier delay (scheduled redelivery copies headers) would describe another trip.
        context.Headers.Set(DelayOverstay.DueHeader, _routingKey is not null && _due is { } due ? DelayOverstay.FormatDue(due) : null);

        context.ScheduledMessageId = _tokenId;
        context.Headers.Set(MessageHeaders.SchedulingTokenId, _tokenId.ToString("D"));

        // A transport delay would make MassTransit declare a delayed-message exchange, which this broker does not have.
        context.Delay = null;

        context.DestinationAddress = _destinationAddress;
        if (_routingKey is not null)
        {
            context.SetRoutingKey(_routingKey);

            // A per-message TTL (AMQP expiration) would run in the level queue: the queue expires a message at the shorter of
            // its own TTL and the message's, so the message would leave its level early and arrive before its time, and
            // dead-lettering strips the expiration, so it would not even expire at the destination. Sent straight to the
            // destination (no delay left), the TTL stays and works as the sender meant.
            context.TimeToLive = null;
            if (context.TryGetPayload(out RabbitMqSendContext? rabbitContext))
            {
                rabbitContext.BasicProperties.Expiration = null;

                // A level exchange that routes nowhere must fail the send, never swallow the message.
                rabbitContext.Mandatory = true;
            }
        }
    }

    public void Probe(ProbeContext context) => context.CreateScope("brokerDelay");
}
