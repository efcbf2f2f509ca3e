using Payments.Consumer.Portal;

namespace Payments.Consumer.Tests.Verification;

/// <summary>Answers from a script, one step per call; the last step repeats once the script runs out.</summary>
internal sealed class FakeDeveloperPortalClient : IDeveloperPortalClient
{
    private readonly Queue<Func<PortalLookup>> _script = new();
    private readonly Lock _lock = new();
    private Func<PortalLookup>? _last;
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public FakeDeveloperPortalClient Returns(PortalLookup lookup) => Then(() => lookup);

    public FakeDeveloperPortalClient Throws(Exception exception) => Then(() => throw exception);

    public ValueTask<PortalLookup> GetTransactionAsync(string transactionId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        Func<PortalLookup> step;
        lock (_lock)
        {
            if (_script.TryDequeue(out var next))
            {
                _last = next;
            }

            step = _last ?? throw new InvalidOperationException("The fake portal has no scripted answer.");
        }

        return ValueTask.FromResult(step());
    }

    private FakeDeveloperPortalClient Then(Func<PortalLookup> step)
    {
        lock (_lock)
        {
            _script.Enqueue(step);
        }

        return this;
    }
}
