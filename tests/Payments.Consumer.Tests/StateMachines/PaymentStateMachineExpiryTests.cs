using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineExpiryTests
{
    private static readonly TimeSpan ExpiryAfter = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task Expiry_before_submission_expires_the_intent()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var paymentId = await saga.InitiatedAsync();
        await saga.ShouldBeInAsync(paymentId, saga.Machine.AwaitingTransaction);
        saga.Time.Advance(ExpiryAfter);

        await saga.AdvanceTransportClockUntilAsync(
            ExpiryAfter,
            () => saga.Row(paymentId).CurrentState == PaymentStatuses.Expired,
            "the intent did not expire");

        var row = saga.Row(paymentId);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start + ExpiryAfter);
        row.ExpiresAt.ShouldBe(PaymentSagaHarness.Start + ExpiryAfter);
        row.ExpiryTokenId.ShouldBeNull();
        row.TransactionId.ShouldBeNull();
        await saga.QuietAsync();
        saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task Expiry_after_submission_is_ignored_and_verification_continues()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var (paymentId, transactionId) = await saga.VerifyingAsync();
        var before = saga.Snapshot(paymentId);
        saga.Time.Advance(ExpiryAfter);

        // The in-memory scheduler cannot cancel, like the broker-native one: the expiry still arrives and must do nothing.
        await saga.AdvanceTransportClockUntilAsync(
            ExpiryAfter,
            () => saga.ConsumedBySaga<PaymentExpiryDue>(x => x.PaymentId == paymentId).Count > 0,
            "the expiry message never arrived");

        saga.Snapshot(paymentId).ShouldBe(before);
        await saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));
        await saga.ShouldBeInAsync(paymentId, saga.Machine.Confirmed);
        saga.ConsumedBySaga<PaymentExpiryDue>(x => x.PaymentId == paymentId).ShouldAllBe(x => x.Exception == null);
    }

    [Fact]
    public async Task Expiry_follows_the_configured_delay()
    {
        await using var saga = await PaymentSagaHarness.StartAsync(expiryAfter: TimeSpan.FromMinutes(2));

        var response = await saga.InitiateAsync(PaymentSagaHarness.NewIntent());

        response.ExpiresAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(2));
        await saga.AdvanceTransportClockUntilAsync(
            TimeSpan.FromMinutes(2),
            () => saga.Row(response.PaymentId).CurrentState == PaymentStatuses.Expired,
            "the intent did not expire");
    }

    [Fact]
    public async Task A_fault_from_the_verification_consumer_moves_the_payment_to_review()
    {
        await using var saga = await PaymentSagaHarness.StartAsync(failVerification: true);

        var paymentId = await saga.InitiatedAsync();

        await saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, PaymentSagaHarness.NewTransactionId()));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.NeedsReview);
        saga.Row(paymentId).ReviewReason.ShouldBe(ReviewReasons.VerificationFaulted);

        // The fault carries exception text; the status document shows no more than that the redeliveries are spent.
        saga.Row(paymentId).LastError.ShouldBe("verificationFaulted: verification failed; redeliveries exhausted");
        saga.Row(paymentId).LastError!.ShouldNotContain(PaymentSagaHarness.VerificationFailure);
    }
}
