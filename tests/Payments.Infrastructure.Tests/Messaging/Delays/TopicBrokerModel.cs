using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Infrastructure.Tests.Messaging.Delays;

/// <summary>
/// Just enough of RabbitMQ to follow a delayed message: topic matching (<c>*</c> one word, <c>#</c> any number),
/// exchange-to-exchange and exchange-to-queue bindings, and TTL dead-lettering from the level queues. It is built
/// from the same <see cref="DelayRouting"/> calls the broker declarations use.
/// </summary>
internal sealed class TopicBrokerModel
{
    private readonly List<(string Source, string Pattern, string Target, bool TargetIsQueue)> _bindings = [];
    private readonly Dictionary<string, (long TtlSeconds, string DeadLetterExchange)> _queues = [];

    public static TopicBrokerModel FromDeclaredTopology(IEnumerable<string> destinations)
    {
        var model = new TopicBrokerModel();
        for (var level = 0; level <= DelayRouting.MaxLevel; level++)
        {
            var name = DelayRouting.LevelName(level);
            model._queues[name] = (DelayRouting.LevelTtlMilliseconds(level) / 1000, DelayRouting.DeadLetterExchange(level));
            model._bindings.Add((name, DelayRouting.LevelBindingPattern(level, bitSet: true), name, true));
            model._bindings.Add((name, DelayRouting.LevelBindingPattern(level, bitSet: false), DelayRouting.DeadLetterExchange(level), false));
        }

        foreach (var destination in destinations)
        {
            model._bindings.Add((DelayRouting.DeliveryExchange, DelayRouting.DeliveryBindingPattern(destination), "dest:" + destination, false));
        }

        return model;
    }

    public (long DelaySeconds, IReadOnlyList<string> Destinations) Route(string exchange, string routingKey)
    {
        long delay = 0;
        var destinations = new List<string>();
        var pending = new Queue<string>([exchange]);
        var hops = 0;
        while (pending.Count > 0)
        {
            (++hops).ShouldBeLessThan(1_000, "routing loops");
            var current = pending.Dequeue();
            if (current.StartsWith("dest:", StringComparison.Ordinal))
            {
                destinations.Add(current["dest:".Length..]);
                continue;
            }

            foreach (var binding in _bindings.Where(b => b.Source == current && Matches(b.Pattern, routingKey)))
            {
                if (binding.TargetIsQueue)
                {
                    var queue = _queues[binding.Target];
                    delay += queue.TtlSeconds;
                    pending.Enqueue(queue.DeadLetterExchange);
                }
                else
                {
                    pending.Enqueue(binding.Target);
                }
            }
        }

        return (delay, destinations);
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
}
