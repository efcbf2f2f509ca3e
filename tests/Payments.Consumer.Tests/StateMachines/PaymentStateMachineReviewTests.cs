using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineReviewTests : IAsyncLifetime
{
    private const string Hash = "0x2222222222222222222222222222222222222222222222222222222222222222";

    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Theory]
    [InlineData(ReviewReasons.Underpaid, "underpaid: expected 1500000, got 1499999 (base units)")]
    [InlineData(ReviewReasons.Overpaid, "overpaid: expected 1500000, got 1500001 (base units)")]
    [InlineData(ReviewReasons.WrongToken, "wrongToken: expected USDC, got WLD")]
    [InlineData(ReviewReasons.PendingTooLong, "pendingTooLong: the portal still answered 'pending' 24 h after its first answer")]
    [InlineData(ReviewReasons.UnknownPortalStatus, "unknownPortalStatus: the portal still answered 'reverted' 24 h after its first answer")]
    public async Task A_review_verdict_moves_to_review_with_the_machine_and_the_human_reason(string reviewReason, string reason)
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromMinutes(1));

        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, reviewReason, reason, "mined", Hash));

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        var row = _saga.Row(paymentId);
        row.ReviewReason.ShouldBe(reviewReason);
        row.LastError.ShouldBe(reason);
        row.TransactionHash.ShouldBe(Hash);
        row.RawPortalStatus.ShouldBe("mined");
        row.VerificationAttempts.ShouldBe(1);
        row.ConfirmedAt.ShouldBeNull();
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(1));
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_retrying_report_shows_the_reason_and_moves_the_due_time_to_the_redelivery()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromSeconds(10));

        await _saga.PublishAndWaitAsync(new PaymentVerificationRetrying(paymentId, transactionId, 3, "portal answered 503", TimeSpan.FromSeconds(20)));

        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.Verifying);
        row.LastError.ShouldBe("portal answered 503");
        row.VerificationAttempts.ShouldBe(1);
        row.VerificationDueAt.ShouldBe(PaymentSagaHarness.Start.AddSeconds(30));
    }

    [Fact]
    public async Task A_fault_after_retries_names_the_last_public_reason()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentVerificationRetrying(paymentId, transactionId, 1, "portal answered 503", TimeSpan.FromSeconds(5)));

        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "Developer Portal request failed: connection refused (portal.internal:443)");

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        _saga.Row(paymentId).LastError.ShouldBe("verificationFaulted: portal answered 503; redeliveries exhausted");
        _saga.Row(paymentId).ReviewReason.ShouldBe(ReviewReasons.VerificationFaulted);
    }

    [Fact]
    public async Task A_payment_in_review_is_still_settled_by_a_re_driven_verdict_and_keeps_its_review_reason()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, ReviewReasons.PendingTooLong, "pendingTooLong: …", "pending", null));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);

        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);
        _saga.Row(paymentId).ReviewReason.ShouldBe(ReviewReasons.PendingTooLong);
    }
}
