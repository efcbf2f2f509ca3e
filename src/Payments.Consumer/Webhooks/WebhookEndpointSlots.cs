using System.Collections.Concurrent;

namespace Payments.Consumer.Webhooks;

/// <summary>Deliveries in flight per endpoint, so that one slow endpoint cannot take every slot of the delivery consumer.</summary>
public sealed class WebhookEndpointSlots
{
    private readonly ConcurrentDictionary<string, StrongBox> _inFlight = new(StringComparer.Ordinal);

    public bool TryEnter(string client, int limit)
    {
        var box = _inFlight.GetOrAdd(client, static _ => new StrongBox());
        if (Interlocked.Increment(ref box.Value) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref box.Value);
        return false;
    }

    public void Exit(string client)
    {
        if (_inFlight.TryGetValue(client, out var box))
        {
            Interlocked.Decrement(ref box.Value);
        }
    }

    public int InFlight(string client) => _inFlight.TryGetValue(client, out var box) ? Volatile.Read(ref box.Value) : 0;

    private sealed class StrongBox
    {
        public int Value;
    }
}
