using MassTransit;

namespace Payments.Consumer.Tests.Testing;

/// <summary>
/// Publishes of the given message types that the broker never confirms, as when the connection goes away while a publish
/// waits for its confirmation: they wait until their token is cancelled. Installed on a bus by
/// <see cref="UnconfirmedPublishFilter{T}"/>; shared with the API's tests.
/// </summary>
public sealed class UnconfirmedPublishes(params Type[] messageTypes)
{
    private readonly TaskCompletionSource _firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _holding = true;
    private int _held;

    /// <summary>Completes once a publish of one of the types is being held.</summary>
    public Task FirstHeld => _firstHeld.Task;

    /// <summary>Publishes held so far.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Publishes from now on go through (the connection is back).</summary>
    public void Release() => _holding = false;

    internal async Task HoldAsync(Type published, CancellationToken cancellationToken)
    {
        if (!_holding || !messageTypes.Contains(published))
        {
            return;
        }

        Interlocked.Increment(ref _held);
        _firstHeld.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

public sealed class UnconfirmedPublishFilter<T>(UnconfirmedPublishes unconfirmed) : IFilter<PublishContext<T>>
    where T : class
{
    public async Task Send(PublishContext<T> context, IPipe<PublishContext<T>> next)
    {
        await unconfirmed.HoldAsync(typeof(T), context.CancellationToken);
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("unconfirmed-publishes");
}
