using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Payments.Infrastructure.Messaging;

namespace Payments.Infrastructure.Tests.Messaging;

public sealed class PublishDeadlineTests
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));

    private PublishDeadline Deadline() => new(Options.Create(new RabbitMqOptions { PublishTimeout = _timeout }), _time);

    /// <summary>Stands in for a publish whose confirmation never comes: it ends only when its token is cancelled.</summary>
    private static async Task NeverConfirmed(CancellationToken token) => await Task.Delay(Timeout.Infinite, token);

    [Fact]
    public async Task A_publish_never_confirmed_fails_at_the_deadline_and_not_before()
    {
        var publishing = Deadline().RunAsync(NeverConfirmed, CancellationToken.None);

        _time.Advance(_timeout - TimeSpan.FromMilliseconds(1));
        publishing.IsCompleted.ShouldBeFalse("still waiting within the deadline");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var error = await Should.ThrowAsync<PublishTimeoutException>(publishing);
        error.InnerException.ShouldBeAssignableTo<OperationCanceledException>();
        error.Message.ShouldContain("10 s");
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        using var caller = new CancellationTokenSource();
        var publishing = Deadline().RunAsync(NeverConfirmed, caller.Token);

        await caller.CancelAsync();

        var error = await Should.ThrowAsync<OperationCanceledException>(publishing);
        error.ShouldNotBeOfType<PublishTimeoutException>();
    }

    [Fact]
    public async Task A_confirmed_publish_returns_and_its_token_is_never_cancelled_afterwards()
    {
        CancellationToken seen = default;
        await Deadline().RunAsync(
            token =>
            {
                seen = token;
                return Task.CompletedTask;
            },
            CancellationToken.None);

        seen.CanBeCanceled.ShouldBeTrue("the publish gets a bounded token, not None");
        _time.Advance(_timeout * 2);
        seen.IsCancellationRequested.ShouldBeFalse("the deadline's timer went with the publish");
    }

    [Fact]
    public async Task A_request_answers_within_its_own_timeout_and_fails_past_it()
    {
        var deadline = Deadline();
        (await deadline.RunAsync(_ => Task.FromResult(42), TimeSpan.FromSeconds(3), CancellationToken.None)).ShouldBe(42);

        var requesting = deadline.RunAsync(
            async token =>
            {
                await NeverConfirmed(token);
                return 0;
            },
            TimeSpan.FromSeconds(3),
            CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(3));

        (await Should.ThrowAsync<PublishTimeoutException>(requesting)).Message.ShouldContain("3 s");
    }

    [Fact]
    public async Task A_failure_of_the_publish_itself_passes_through_unchanged()
    {
        var publishing = Deadline().RunAsync(_ => throw new InvalidOperationException("channel closed"), CancellationToken.None);

        (await Should.ThrowAsync<InvalidOperationException>(publishing)).Message.ShouldBe("channel closed");
    }
}
