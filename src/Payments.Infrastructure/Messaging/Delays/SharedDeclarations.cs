using System.Collections.Concurrent;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Runs one broker declaration per key and shares it: every caller that asks while it runs waits for the same run, and
/// once it has succeeded it is never run again. A run that fails, is cancelled or times out forgets itself as it ends,
/// so the next caller starts a new one. The run removes itself rather than leaving that to a waiting caller: a caller
/// may stop waiting (its own token) long before the shared run ends, and then nobody would be left to remove it.
/// </summary>
internal sealed class SharedDeclarations<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task>> _runs;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public SharedDeclarations(TimeSpan timeout, TimeProvider time, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
        _time = time;
        _runs = new ConcurrentDictionary<TKey, Lazy<Task>>(comparer);
    }

    /// <summary>
    /// Waits for <paramref name="key"/>'s declaration, starting it with <paramref name="declare"/> when none has succeeded
    /// or is running. <paramref name="cancellationToken"/> only stops this caller's wait; the run itself is bounded by the
    /// timeout, not by any one caller.
    /// </summary>
    public Task RunAsync(TKey key, Func<CancellationToken, Task> declare, CancellationToken cancellationToken)
    {
        var run = _runs.GetOrAdd(key, static (key, state) => state.Self.NewRun(key, state.Declare), (Self: this, Declare: declare));
        return run.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Starts <paramref name="key"/>'s declaration afresh even when an earlier one succeeded, for when the broker side is
    /// known to have changed since; later callers share the new run.
    /// </summary>
    public Task RunAgainAsync(TKey key, Func<CancellationToken, Task> declare, CancellationToken cancellationToken)
    {
        var run = NewRun(key, declare);
        _runs[key] = run;
        return run.Value.WaitAsync(cancellationToken);
    }

    private Lazy<Task> NewRun(TKey key, Func<CancellationToken, Task> declare)
    {
        Lazy<Task>? run = null;
        run = new Lazy<Task>(() => RunAndForgetUnlessSucceededAsync(key, run!, declare));
        return run;
    }

    private async Task RunAndForgetUnlessSucceededAsync(TKey key, Lazy<Task> run, Func<CancellationToken, Task> declare)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        try
        {
            // WaitAsync as well as the token: a declaration that ignores its token still cannot hold the key forever.
            await declare(timeout.Token).WaitAsync(timeout.Token);
        }
        catch
        {
            // Only this run: a newer one for the same key (after an earlier failure) stays.
            _runs.TryRemove(new KeyValuePair<TKey, Lazy<Task>>(key, run));
            throw;
        }
    }
}
