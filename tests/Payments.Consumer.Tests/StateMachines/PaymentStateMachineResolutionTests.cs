using MassTransit;
using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineResolutionTests : IAsyncLifetime
{
    private const string Hash = "0x3333333333333333333333333333333333333333333333333333333333333333";
    private const string ReviewText = "underpaid: expected 1500000, got 1499999 (base units)";
    private const string Note = "Refunded 1.499999 USDC to the payer.";

    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    public static TheoryData<string, string> ResolutionsAndStatuses => new()
    {
        { Resolutions.Confirm, PaymentStatuses.Confirmed },
        { Resolutions.Fail, PaymentStatuses.Failed },
        { Resolutions.Refunded, PaymentStatuses.Refunded },
    };

    [Theory]
    [MemberData(nameof(ResolutionsAndStatuses))]
    public async Task A_resolution_settles_a_review_in_its_final_status_and_keeps_the_review_reason(string resolution, string status)
    {
        var (paymentId, _) = await InReviewAsync();
        _saga.Time.Advance(TimeSpan.FromHours(2));
        var resolvedAt = _saga.Time.GetUtcNow();

        var answer = await ResolveAsync(paymentId, resolution, Note);

        answer.Is(out Response<PaymentResolved>? resolved).ShouldBeTrue();
        resolved!.Message.ShouldBe(new PaymentResolved(paymentId, paymentId.ToString("N"), status, resolution, resolvedAt));
        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(status);
        row.Resolution.ShouldBe(resolution);
        row.ResolutionNote.ShouldBe(Note);
        row.ResolvedAt.ShouldBe(resolvedAt);
        row.UpdatedAt.ShouldBe(resolvedAt);
        row.ReviewReason.ShouldBe(ReviewReasons.Underpaid);
        row.LastError.ShouldBe(ReviewText);
        row.ConfirmedAt.ShouldBe(status == PaymentStatuses.Confirmed ? resolvedAt : null);
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    public static TheoryData<string> OtherStates =>
    [
        PaymentStatuses.AwaitingTransaction,
        PaymentStatuses.Verifying,
        PaymentStatuses.Expired,
        PaymentStatuses.Confirmed,
        PaymentStatuses.Failed,
    ];

    [Theory]
    [MemberData(nameof(OtherStates))]
    public async Task A_resolution_is_refused_in_every_other_state_and_changes_nothing(string state)
    {
        var paymentId = await InStateAsync(state);
        var before = _saga.Snapshot(paymentId);
        _saga.Time.Advance(TimeSpan.FromHours(1));

        foreach (var resolution in Resolutions.All)
        {
            var answer = await ResolveAsync(paymentId, resolution, Note);

            answer.Is(out Response<PaymentResolutionRefused>? refused).ShouldBeTrue(resolution);
            refused!.Message.ShouldBe(new PaymentResolutionRefused(
                paymentId, paymentId.ToString("N"), state, $"The payment is {state}: only a NeedsReview payment can be resolved."));
        }

        _saga.Snapshot(paymentId).ShouldBe(before);
        before.Resolution.ShouldBeNull();
    }

    [Fact]
    public async Task A_second_resolution_is_refused_and_the_first_one_stays()
    {
        var (paymentId, _) = await InReviewAsync();
        (await ResolveAsync(paymentId, Resolutions.Refunded, Note)).Is(out Response<PaymentResolved>? _).ShouldBeTrue();
        var before = _saga.Snapshot(paymentId);
        _saga.Time.Advance(TimeSpan.FromMinutes(5));

        var answer = await ResolveAsync(paymentId, Resolutions.Confirm, "second thoughts");

        answer.Is(out Response<PaymentResolutionRefused>? refused).ShouldBeTrue();
        refused!.Message.Status.ShouldBe(PaymentStatuses.Refunded);
        refused.Message.Reason.ShouldBe("The payment is Refunded: only a NeedsReview payment can be resolved.");
        _saga.Snapshot(paymentId).ShouldBe(before);
        before.Resolution.ShouldBe(Resolutions.Refunded);
        before.ResolutionNote.ShouldBe(Note);
    }

    [Fact]
    public async Task Confirm_is_refused_while_the_transaction_confirmed_another_intent_and_the_review_can_still_be_refunded()
    {
        // Both intents were submitted the same transaction; the portal's reference made the other one its owner.
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        var owner = await _saga.InitiatedAsync();
        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(owner, transactionId));
        await _saga.ShouldBeInAsync(owner, _saga.Machine.Verifying);
        await _saga.PublishAndWaitAsync(new PaymentVerified(owner, transactionId, Hash, "mined", PaymentSagaHarness.Start));
        await _saga.ShouldBeInAsync(owner, _saga.Machine.Confirmed);
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, ReviewReasons.Underpaid, ReviewText, "mined", Hash));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        var before = _saga.Snapshot(paymentId);

        var confirm = await ResolveAsync(paymentId, Resolutions.Confirm, Note);

        confirm.Is(out Response<PaymentResolutionRefused>? refused).ShouldBeTrue();
        refused!.Message.Status.ShouldBe(PaymentStatuses.NeedsReview);
        refused.Message.Reason.ShouldBe("The transaction already confirmed another payment: this one cannot be confirmed with it.");
        _saga.Snapshot(paymentId).ShouldBe(before);

        var refund = await ResolveAsync(paymentId, Resolutions.Refunded, Note);

        refund.Is(out Response<PaymentResolved>? _).ShouldBeTrue();
        _saga.Row(paymentId).CurrentState.ShouldBe(PaymentStatuses.Refunded);
        _saga.Row(owner).CurrentState.ShouldBe(PaymentStatuses.Confirmed);
    }

    [Fact]
    public async Task An_unknown_resolution_is_refused_and_changes_nothing()
    {
        var (paymentId, _) = await InReviewAsync();
        var before = _saga.Snapshot(paymentId);

        var answer = await ResolveAsync(paymentId, "approve", Note);

        answer.Is(out Response<PaymentResolutionRefused>? refused).ShouldBeTrue();
        refused!.Message.Reason.ShouldBe("Unknown resolution; one of confirm, fail, refunded.");
        _saga.Snapshot(paymentId).ShouldBe(before);
    }

    [Fact]
    public async Task A_resolution_of_an_unknown_intent_creates_nothing_and_gets_no_answer()
    {
        var paymentId = Guid.NewGuid();

        await _saga.Harness.Bus.Publish(new ResolvePayment(paymentId, Resolutions.Refunded, Note));

        // Discarded before the saga sees it, so only the endpoint records it.
        (await _saga.Harness.Consumed.Any<ResolvePayment>(m => m.Context.Message.PaymentId == paymentId)).ShouldBeTrue();
        await _saga.QuietAsync();
        _saga.Saga.Sagas.Contains(paymentId).ShouldBeNull();
        var now = new CancellationToken(canceled: true);
        _saga.Harness.Published.Select<PaymentResolved>(now).ShouldBeEmpty();
        _saga.Harness.Published.Select<PaymentResolutionRefused>(now).ShouldBeEmpty();
        _saga.Harness.Sent.Select<PaymentResolved>(now).ShouldBeEmpty();
        _saga.Harness.Sent.Select<PaymentResolutionRefused>(now).ShouldBeEmpty();
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    private async Task<(Guid PaymentId, string TransactionId)> InReviewAsync()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, ReviewReasons.Underpaid, ReviewText, "mined", Hash));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        return (paymentId, transactionId);
    }

    private async Task<Guid> InStateAsync(string state)
    {
        switch (state)
        {
            case PaymentStatuses.AwaitingTransaction:
                return await _saga.InitiatedAsync();
            case PaymentStatuses.Expired:
                var expiring = await _saga.InitiatedAsync();
                await _saga.ExpireAsync(expiring);
                return expiring;
        }

        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        if (state == PaymentStatuses.Confirmed)
        {
            await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));
            await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);
        }
        else if (state == PaymentStatuses.Failed)
        {
            await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "recipient mismatch", "mined"));
            await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Failed);
        }

        _saga.Row(paymentId).CurrentState.ShouldBe(state);
        return paymentId;
    }

    private async Task<Response<PaymentResolved, PaymentResolutionRefused>> ResolveAsync(Guid paymentId, string resolution, string note)
    {
        var client = _saga.Harness.GetRequestClient<ResolvePayment>();
        return await client.GetResponse<PaymentResolved, PaymentResolutionRefused>(new ResolvePayment(paymentId, resolution, note));
    }
}
