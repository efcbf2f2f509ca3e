using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Infrastructure.Tests.Messaging.Delays;

/// <summary>
/// Just enough of RabbitMQ to follow a delayed message: topic and fanout matching (<c>*</c> one word, <c>#</c> any
/// number), exchange-to-exchange and exchange-to-queue bindings, alternate exchanges (used when an exchange's own
/// bindings match nothing), deletions that take their bindings with them, and TTL dead-lettering from the level queues,
/// at least once: a dead-lettered message that reaches no queue stays where it was and holds up its level. It is built
/// from the same <see cref="DelayLayout"/> declarations the broker gets.
/// </summary>
internal sealed class TopicBrokerModel
{
    private readonly List<BindingDeclaration> _bindings = [];
    private readonly Dictionary<string, ExchangeDeclaration> _exchanges = [];
    private readonly HashSet<string> _queues = [];
    private readonly Dictionary<string, (long TtlSeconds, string DeadLetterExchange)> _levelQueues = [];

    public static TopicBrokerModel FromDeclaredTopology() => FromDeclaredTopology([]);

    /// <summary>The fixed declarations, then each of <paramref name="endpoints"/> as MassTransit declares it and as the scheduler binds it.</summary>
    public static TopicBrokerModel FromDeclaredTopology(IEnumerable<string> endpoints)
    {
        var model = new TopicBrokerModel();
        foreach (var declaration in DelayLayout.Fixed())
        {
            model.Declare(declaration);
        }

        for (var level = 0; level <= DelayRouting.MaxLevel; level++)
        {
            model._levelQueues[DelayRouting.LevelName(level)] = (DelayRouting.LevelTtlMilliseconds(level) / 1000, DelayRouting.DeadLetterExchange(level));
        }

        foreach (var endpoint in endpoints)
        {
            model.AddEndpoint(endpoint);
            model.BindDestination(endpoint);
        }

        return model;
    }

    /// <summary>What MassTransit declares for a receive endpoint: a fanout exchange bound only to the queue of the same name.</summary>
    public void AddEndpoint(string name)
    {
        Declare(new ExchangeDeclaration(name, "fanout"));
        _queues.Add(name);
        _bindings.Add(new BindingDeclaration(name, name, DestinationIsQueue: true, ""));
    }

    /// <summary>A message type's fanout exchange, bound to the endpoint exchanges that subscribe to it.</summary>
    public void AddPublishExchange(string name, params string[] subscriberEndpoints)
    {
        Declare(new ExchangeDeclaration(name, "fanout"));
        foreach (var subscriber in subscriberEndpoints)
        {
            _bindings.Add(new BindingDeclaration(name, subscriber, DestinationIsQueue: false, ""));
        }
    }

    /// <summary>What <c>BrokerDelayTopology</c> does for a destination, given what exists on the broker now.</summary>
    public void BindDestination(string destination)
    {
        var (bind, unbind) = DelayLayout.DestinationBinding(destination, _queues.Contains(destination));
        if (!bind.DestinationIsQueue && !_exchanges.ContainsKey(destination))
        {
            Declare(new ExchangeDeclaration(destination, "fanout"));
        }

        Declare(bind);
        if (unbind is not null)
        {
            _bindings.Remove(unbind);
        }
    }

    /// <summary>A binding from the earlier key format (bits, then the destination, no marker), left on an upgraded broker.</summary>
    public void AddEarlierFormatBinding(string destination) =>
        _bindings.Add(new BindingDeclaration(DelayRouting.DeliveryExchange, destination, DestinationIsQueue: false, EarlierFormatPattern(destination)));

    public static string EarlierFormatRoutingKey(long delaySeconds, string destination) =>
        DelayRouting.RoutingKey(delaySeconds, destination).Replace(DelayRouting.DestinationMarker + ".", "", StringComparison.Ordinal);

    public void DeleteQueue(string name)
    {
        _queues.Remove(name);
        _bindings.RemoveAll(b => b.DestinationIsQueue && b.Destination == name);
    }

    public void DeleteExchange(string name)
    {
        _exchanges.Remove(name);
        _bindings.RemoveAll(b => b.Source == name || (!b.DestinationIsQueue && b.Destination == name));
    }

    public int BindingsTo(string destination) => _bindings.Count(b => b.Destination == destination && b.Source == DelayRouting.DestinationsExchange);

    /// <summary>
    /// Publishes to <paramref name="exchange"/> and follows the message through every dead-lettering. Queues are the
    /// non-level queues it reached, in order (a queue twice means two copies); Stalled is set when a dead-lettering
    /// reached no queue.
    /// </summary>
    public Trip Route(string exchange, string routingKey)
    {
        long delay = 0;
        var queues = new List<string>();
        var stalled = false;
        var pending = new Queue<(string Exchange, bool DeadLettered)>([(exchange, false)]);
        var hops = 0;
        while (pending.TryDequeue(out var entry))
        {
            (++hops).ShouldBeLessThan(1_000, "routing loops");
            var reached = RouteThrough(entry.Exchange, routingKey, depth: 0);
            stalled |= entry.DeadLettered && reached.Count == 0;
            foreach (var queue in reached)
            {
                if (_levelQueues.TryGetValue(queue, out var level))
                {
                    delay += level.TtlSeconds;
                    pending.Enqueue((level.DeadLetterExchange, true));
                }
                else
                {
                    queues.Add(queue);
                }
            }
        }

        return new Trip(delay, queues, stalled);
    }

    private List<string> RouteThrough(string exchange, string routingKey, int depth)
    {
        depth.ShouldBeLessThan(50, "exchange bindings loop");
        if (!_exchanges.TryGetValue(exchange, out var declared))
        {
            return [];
        }

        var matching = _bindings.Where(b => b.Source == exchange && (declared.Type == "fanout" || Matches(b.Pattern, routingKey))).ToList();
        if (matching.Count == 0)
        {
            return declared.Arguments?.TryGetValue("alternate-exchange", out var alternate) == true
                ? RouteThrough((string)alternate!, routingKey, depth + 1)
                : [];
        }

        var reached = new List<string>();
        foreach (var binding in matching)
        {
            if (binding.DestinationIsQueue)
            {
                if (_queues.Contains(binding.Destination))
                {
                    reached.Add(binding.Destination);
                }
            }
            else
            {
                reached.AddRange(RouteThrough(binding.Destination, routingKey, depth + 1));
            }
        }

        return reached;
    }

    private void Declare(DelayDeclaration declaration)
    {
        switch (declaration)
        {
            // Redeclaring is a no-op on the broker as long as nothing differs.
            case ExchangeDeclaration exchange:
                if (!_exchanges.TryAdd(exchange.Name, exchange))
                {
                    _exchanges[exchange.Name].Type.ShouldBe(exchange.Type, $"exchange {exchange.Name} redeclared as it was");
                }

                break;
            case QueueDeclaration queue:
                _queues.Add(queue.Name);
                break;
            case BindingDeclaration binding:
                _exchanges.ShouldContainKey(binding.Source, "a binding's source is declared before it");
                if (binding.DestinationIsQueue)
                {
                    _queues.ShouldContain(binding.Destination, "a bound queue is declared before its binding");
                }
                else
                {
                    _exchanges.ShouldContainKey(binding.Destination, "a bound exchange is declared before its binding");
                }

                if (!_bindings.Contains(binding))
                {
                    _bindings.Add(binding);
                }

                break;
        }
    }

    private static bool Matches(string pattern, string routingKey) => Matches(pattern.Split('.'), 0, routingKey.Split('.'), 0);

    private static bool Matches(string[] pattern, int p, string[] words, int w)
    {
        if (p == pattern.Length)
        {
            return w == words.Length;
        }

        if (pattern[p] == "#")
        {
            for (var skip = w; skip <= words.Length; skip++)
            {
                if (Matches(pattern, p + 1, words, skip))
                {
                    return true;
                }
            }

            return false;
        }

        return w < words.Length && (pattern[p] == "*" || pattern[p] == words[w]) && Matches(pattern, p + 1, words, w + 1);
    }

    private static string EarlierFormatPattern(string destination) =>
        DelayRouting.DestinationPattern(destination).Replace(DelayRouting.DestinationMarker + ".", "", StringComparison.Ordinal);

    public sealed record Trip(long DelaySeconds, IReadOnlyList<string> Queues, bool Stalled);
}
