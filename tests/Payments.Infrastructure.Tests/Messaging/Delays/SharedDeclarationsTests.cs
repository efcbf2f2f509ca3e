using Microsoft.Extensions.Time.Testing;
using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Infrastructure.Tests.Messaging.Delays;

public sealed class SharedDeclarationsTests
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Callers_share_one_run_and_a_successful_run_is_never_repeated()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        var gate = new TaskCompletionSource();
        Task Declare(CancellationToken _)
        {
            Interlocked.Increment(ref runs);
            return gate.Task;
        }

        var first = declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        var second = declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        gate.SetResult();
        await Task.WhenAll(first, second);
        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);

        runs.ShouldBe(1);
    }

    [Fact]
    public async Task A_run_that_times_out_is_forgotten_and_the_next_caller_runs_it_again()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        Task Declare(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref runs) == 1 ? Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken) : Task.CompletedTask;

        var first = declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        _time.Advance(_timeout);

        await Should.ThrowAsync<OperationCanceledException>(first);
        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        runs.ShouldBe(2);
    }

    [Fact]
    public async Task A_run_that_ignores_its_token_is_still_ended_by_the_timeout()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        var never = new TaskCompletionSource();
        Task Declare(CancellationToken _) => Interlocked.Increment(ref runs) == 1 ? never.Task : Task.CompletedTask;

        var first = declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        _time.Advance(_timeout);

        await Should.ThrowAsync<OperationCanceledException>(first);
        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        runs.ShouldBe(2);
    }

    [Fact]
    public async Task A_cancelled_run_is_forgotten()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        Task Declare(CancellationToken _) =>
            Interlocked.Increment(ref runs) == 1 ? Task.FromCanceled(new CancellationToken(canceled: true)) : Task.CompletedTask;

        await Should.ThrowAsync<OperationCanceledException>(declarations.RunAsync("verify-payment", Declare, CancellationToken.None));
        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);

        runs.ShouldBe(2);
    }

    [Fact]
    public async Task A_failed_run_is_forgotten()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        Task Declare(CancellationToken _) =>
            Interlocked.Increment(ref runs) == 1 ? Task.FromException(new InvalidOperationException("PRECONDITION_FAILED")) : Task.CompletedTask;

        await Should.ThrowAsync<InvalidOperationException>(declarations.RunAsync("verify-payment", Declare, CancellationToken.None));
        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);

        runs.ShouldBe(2);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_leaves_the_run_going_and_its_later_failure_is_still_forgotten()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        var first = new TaskCompletionSource();
        Task Declare(CancellationToken _) => Interlocked.Increment(ref runs) == 1 ? first.Task : Task.CompletedTask;
        using var impatient = new CancellationTokenSource();

        var waiting = declarations.RunAsync("verify-payment", Declare, impatient.Token);
        await impatient.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(waiting);

        // Nobody waits any more when the shared run fails: it must still forget itself.
        first.SetException(new InvalidOperationException("connection reset"));
        await UntilSucceededAsync(() => declarations.RunAsync("verify-payment", Declare, CancellationToken.None));

        runs.ShouldBe(2);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_does_not_cancel_the_run_for_the_others()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        var gate = new TaskCompletionSource();
        Task Declare(CancellationToken _)
        {
            Interlocked.Increment(ref runs);
            return gate.Task;
        }

        using var impatient = new CancellationTokenSource();
        var cancelled = declarations.RunAsync("verify-payment", Declare, impatient.Token);
        var patient = declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        await impatient.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(cancelled);
        gate.SetResult();

        await patient;
        runs.ShouldBe(1);
    }

    [Fact]
    public async Task Run_again_declares_even_after_a_success_and_later_callers_share_it()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var runs = 0;
        Task Declare(CancellationToken _)
        {
            Interlocked.Increment(ref runs);
            return Task.CompletedTask;
        }

        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);
        await declarations.RunAgainAsync("verify-payment", Declare, CancellationToken.None);
        await declarations.RunAsync("verify-payment", Declare, CancellationToken.None);

        runs.ShouldBe(2);
    }

    [Fact]
    public async Task Keys_are_declared_independently()
    {
        var declarations = new SharedDeclarations<string>(_timeout, _time);
        var declared = new List<string>();
        Task Declare(string key)
        {
            lock (declared)
            {
                declared.Add(key);
            }

            return key == "broken" ? Task.FromException(new InvalidOperationException()) : Task.CompletedTask;
        }

        await Should.ThrowAsync<InvalidOperationException>(declarations.RunAsync("broken", _ => Declare("broken"), CancellationToken.None));
        await declarations.RunAsync("verify-payment", _ => Declare("verify-payment"), CancellationToken.None);
        await declarations.RunAsync("verify-payment", _ => Declare("verify-payment"), CancellationToken.None);

        declared.ShouldBe(["broken", "verify-payment"]);
    }

    /// <summary>
    /// A caller arriving just as the failed run ends may still share its failure (the run forgets itself on its own
    /// continuation); what matters is that a fresh run follows. Bounded by attempts, not by a clock.
    /// </summary>
    private static async Task UntilSucceededAsync(Func<Task> attempt)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                await attempt();
                return;
            }
            catch (InvalidOperationException) when (tries < 1_000)
            {
                await Task.Yield();
            }
        }
    }
}
