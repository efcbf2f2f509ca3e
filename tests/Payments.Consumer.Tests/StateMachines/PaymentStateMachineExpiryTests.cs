using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineExpiryTests
{
    private static readonly TimeSpan ExpiryAfter = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task The_reconciler_expires_an_intent_past_its_deadline()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var paymentId = await saga.InitiatedAsync();
        await saga.ShouldBeInAsync(paymentId, saga.Machine.AwaitingTransaction);
        saga.Time.Advance(ExpiryAfter);

        await saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.Expired);
        var row = saga.Row(paymentId);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start + ExpiryAfter);
        row.ExpiresAt.ShouldBe(PaymentSagaHarness.Start + ExpiryAfter);
        row.ExpiryTokenId.ShouldBeNull();
        row.TransactionId.ShouldBeNull();
        await saga.QuietAsync();
        saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task An_expiry_message_scheduled_by_an_earlier_version_expires_only_past_the_deadline()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var paymentId = await saga.InitiatedAsync();
        await saga.ShouldBeInAsync(paymentId, saga.Machine.AwaitingTransaction);
        var before = saga.Snapshot(paymentId);

        saga.Time.Advance(ExpiryAfter - TimeSpan.FromSeconds(1));
        await saga.PublishAndWaitAsync(new PaymentExpiryDue(paymentId));
        saga.Snapshot(paymentId).ShouldBe(before);

        saga.Time.Advance(TimeSpan.FromSeconds(1));
        await saga.PublishAndWaitAsync(new PaymentExpiryDue(paymentId));
        await saga.ShouldBeInAsync(paymentId, saga.Machine.Expired);
        saga.ConsumedBySaga<PaymentExpiryDue>(x => x.PaymentId == paymentId).ShouldAllBe(x => x.Exception == null);
    }

    [Fact]
    public async Task Expiry_after_submission_is_ignored_and_verification_continues()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var (paymentId, transactionId) = await saga.VerifyingAsync();
        var before = saga.Snapshot(paymentId);
        saga.Time.Advance(ExpiryAfter);

        // An expiry scheduled by an earlier version cannot be cancelled: it still arrives and must do nothing.
        await saga.PublishAndWaitAsync(new PaymentExpiryDue(paymentId));

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
        await saga.ShouldBeInAsync(response.PaymentId, saga.Machine.AwaitingTransaction);

        saga.Time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        await saga.PublishAndWaitAsync(new ReconcilePayment(response.PaymentId));
        saga.Row(response.PaymentId).CurrentState.ShouldBe(PaymentStatuses.AwaitingTransaction);

        saga.Time.Advance(TimeSpan.FromSeconds(1));
        await saga.PublishAndWaitAsync(new ReconcilePayment(response.PaymentId));
        await saga.ShouldBeInAsync(response.PaymentId, saga.Machine.Expired);
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
