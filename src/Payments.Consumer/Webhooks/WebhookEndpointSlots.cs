using System.Collections.Concurrent;

namespace Payments.Consumer.Webhooks;

/// <summary>Deliveries in flight per endpoint, so that one slow endpoint cannot take every slot of the delivery consumer.</summary>
public sealed class WebhookEndpointSlots
{
    private readonly ConcurrentDictionary<string, Slots> _slots = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes one of the <paramref name="limit"/> slots of the client's endpoint, waiting at most <paramref name="wait"/> for
    /// one to free up; false when none did. The limit is the one the client's first call gave.
    /// </summary>
    public Task<bool> EnterAsync(string client, int limit, TimeSpan wait, CancellationToken cancellationToken) =>
        For(client, limit).Semaphore.WaitAsync(wait, cancellationToken);

    public void Exit(string client)
    {
        if (_slots.TryGetValue(client, out var slots))
        {
            slots.Semaphore.Release();
        }
    }

    public int InFlight(string client) =>
        _slots.TryGetValue(client, out var slots) ? slots.Limit - slots.Semaphore.CurrentCount : 0;

    private Slots For(string client, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return _slots.GetOrAdd(client, static (_, limit) => new Slots(limit), limit);
    }

    private sealed class Slots(int limit)
    {
        public int Limit { get; } = limit;

        public SemaphoreSlim Semaphore { get; } = new(limit, limit);
    }
}
