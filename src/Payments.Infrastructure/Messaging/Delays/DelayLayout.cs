using RabbitMQ.Client;

namespace Payments.Infrastructure.Messaging.Delays;

internal abstract record DelayDeclaration;

/// <summary>A durable, never auto-deleted exchange.</summary>
internal sealed record ExchangeDeclaration(string Name, string Type, IReadOnlyDictionary<string, object?>? Arguments = null) : DelayDeclaration;

/// <summary>A durable quorum queue.</summary>
internal sealed record QueueDeclaration(string Name, IReadOnlyDictionary<string, object?> Arguments) : DelayDeclaration;

/// <summary>A binding from exchange <paramref name="Source"/> to a queue or an exchange.</summary>
internal sealed record BindingDeclaration(string Source, string Destination, bool DestinationIsQueue, string Pattern) : DelayDeclaration;

/// <summary>
/// Everything the delays declare, as data: <see cref="BrokerDelayTopology"/> makes these declarations on the broker and
/// the unit tests route messages through exactly the same list.
/// </summary>
internal static class DelayLayout
{
    /// <summary>
    /// Declared at start, in this order, so that every dead-letter target and alternate exchange exists before whatever
    /// feeds it. Redeclaring an existing entity with other arguments fails (PRECONDITION_FAILED), so the delivery exchange
    /// and the level queues keep the arguments they were first declared with: the alternate exchange sits on an exchange
    /// of its own behind the delivery exchange.
    /// </summary>
    public static IReadOnlyList<DelayDeclaration> Fixed()
    {
        var declarations = new List<DelayDeclaration>
        {
            new ExchangeDeclaration(DelayRouting.UnroutableExchange, ExchangeType.Fanout),
            new QueueDeclaration(DelayRouting.UnroutableExchange, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }),
            new BindingDeclaration(DelayRouting.UnroutableExchange, DelayRouting.UnroutableExchange, DestinationIsQueue: true, ""),

            // RabbitMQ uses an exchange's alternate exchange only when that exchange's own bindings match nothing, so it
            // must sit on the exchange whose bindings name the destinations.
            new ExchangeDeclaration(DelayRouting.DestinationsExchange, ExchangeType.Topic,
                new Dictionary<string, object?> { ["alternate-exchange"] = DelayRouting.UnroutableExchange }),
            new ExchangeDeclaration(DelayRouting.DeliveryExchange, ExchangeType.Topic),
            new BindingDeclaration(DelayRouting.DeliveryExchange, DelayRouting.DestinationsExchange, DestinationIsQueue: false, DelayRouting.DeliveryPattern),
        };

        // Bottom up, so that every dead-letter target exists before the queue that feeds it.
        for (var level = 0; level <= DelayRouting.MaxLevel; level++)
        {
            var name = DelayRouting.LevelName(level);
            declarations.Add(new ExchangeDeclaration(name, ExchangeType.Topic));
            declarations.Add(new QueueDeclaration(name, LevelQueueArguments(level)));
            declarations.Add(new BindingDeclaration(name, name, DestinationIsQueue: true, DelayRouting.LevelBindingPattern(level, bitSet: true)));
            declarations.Add(new BindingDeclaration(name, DelayRouting.DeadLetterExchange(level), DestinationIsQueue: false,
                DelayRouting.LevelBindingPattern(level, bitSet: false)));
        }

        return declarations;
    }

    public static Dictionary<string, object?> LevelQueueArguments(int level) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-message-ttl"] = DelayRouting.LevelTtlMilliseconds(level),
        ["x-dead-letter-exchange"] = DelayRouting.DeadLetterExchange(level),
        // At-least-once dead-lettering keeps a message in the level queue until the next hop has confirmed it,
        // and RabbitMQ honours it only together with reject-publish overflow.
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    /// <summary>
    /// How a destination is bound. A MassTransit endpoint address names its queue, and a binding straight to that queue
    /// goes away with the queue, so that a message for a deleted queue is parked instead of being routed to an exchange
    /// with no queue behind it, which at-least-once dead-lettering would retry forever, holding up the level behind it.
    /// Without a queue of that name (a publish address, or an endpoint not declared yet), the destination's exchange is
    /// bound instead; deleting that exchange takes the binding with it too. When the queue is bound, an exchange binding
    /// left from an earlier time is removed, or the queue would get every message twice.
    /// </summary>
    public static (BindingDeclaration Bind, BindingDeclaration? Unbind) DestinationBinding(string destination, bool queueExists)
    {
        var toQueue = new BindingDeclaration(DelayRouting.DestinationsExchange, destination, DestinationIsQueue: true,
            DelayRouting.DestinationPattern(destination));
        var toExchange = toQueue with { DestinationIsQueue = false };
        return queueExists ? (toQueue, toExchange) : (toExchange, null);
    }
}
