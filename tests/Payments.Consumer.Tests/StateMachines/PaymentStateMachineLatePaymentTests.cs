using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineLatePaymentTests
{
    private const string Hash = "0x2222222222222222222222222222222222222222222222222222222222222222";

    [Fact]
    public async Task A_transaction_submitted_after_expiry_is_verified_and_confirmed_as_submitted_after_expiry()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var paymentId = await ExpiredAsync(saga);
        var transactionId = PaymentSagaHarness.NewTransactionId();

        await saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.Verifying);
        await PaymentSagaHarness.EventuallyAsync(() => saga.VerifyCommandsSentFor(paymentId).Count == 1, "the late transaction was not verified");
        saga.Row(paymentId).SubmittedAfterExpiry.ShouldBeTrue();

        await saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.Confirmed);
        saga.Row(paymentId).SubmittedAfterExpiry.ShouldBeTrue();
        saga.Row(paymentId).ReviewReason.ShouldBeNull();
    }

    [Fact]
    public async Task With_late_payments_for_review_a_matching_late_transaction_goes_to_review_as_paid_after_expiry()
    {
        await using var saga = await PaymentSagaHarness.StartAsync(
            configuration: new Dictionary<string, string?> { ["PaymentSaga:LatePayments"] = "Review" });
        var paymentId = await ExpiredAsync(saga);
        var transactionId = PaymentSagaHarness.NewTransactionId();
        await saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));
        await saga.ShouldBeInAsync(paymentId, saga.Machine.Verifying);

        await saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.NeedsReview);
        var row = saga.Row(paymentId);
        row.ReviewReason.ShouldBe(ReviewReasons.PaidAfterExpiry);
        row.LastError!.ShouldStartWith("paidAfterExpiry: ");
        row.TransactionHash.ShouldBe(Hash);
        row.ConfirmedAt.ShouldBeNull();
    }

    [Fact]
    public async Task With_late_payments_for_review_an_intime_transaction_is_confirmed()
    {
        await using var saga = await PaymentSagaHarness.StartAsync(
            configuration: new Dictionary<string, string?> { ["PaymentSaga:LatePayments"] = "Review" });
        var (paymentId, transactionId) = await saga.VerifyingAsync();

        await saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.Confirmed);
    }

    [Fact]
    public async Task A_transaction_arriving_past_the_deadline_before_the_expiry_message_counts_as_late()
    {
        await using var saga = await PaymentSagaHarness.StartAsync();
        var paymentId = await saga.InitiatedAsync();
        saga.Time.Advance(TimeSpan.FromMinutes(15));

        await saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, PaymentSagaHarness.NewTransactionId()));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.Verifying);
        saga.Row(paymentId).SubmittedAfterExpiry.ShouldBeTrue();
    }

    private static async Task<Guid> ExpiredAsync(PaymentSagaHarness saga)
    {
        var paymentId = await saga.InitiatedAsync();
        await saga.ExpireAsync(paymentId);
        return paymentId;
    }
}
