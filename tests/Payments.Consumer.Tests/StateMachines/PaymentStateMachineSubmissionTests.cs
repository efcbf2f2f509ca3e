using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineSubmissionTests : IAsyncLifetime
{
    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task Submission_moves_to_verifying_and_sends_verify_payment_to_the_verification_queue()
    {
        var command = PaymentSagaHarness.NewIntent();
        await _saga.InitiateAsync(command);
        var transactionId = PaymentSagaHarness.NewTransactionId();
        _saga.Time.Advance(TimeSpan.FromMinutes(2));

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(command.PaymentId, transactionId));

        await _saga.ShouldBeInAsync(command.PaymentId, _saga.Machine.Verifying);
        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(command.PaymentId).Count == 1, "no VerifyPayment was sent");
        var sent = _saga.VerifyCommandsSentFor(command.PaymentId).Single();
        sent.Context.DestinationAddress!.AbsolutePath.ShouldEndWith("/verify-payment");
        sent.Context.Message.ShouldBe(new VerifyPayment(
            command.PaymentId,
            command.PaymentId.ToString("N"),
            transactionId,
            command.Recipient.ToLowerInvariant(),
            command.Token,
            command.Amount));

        var row = _saga.Row(command.PaymentId);
        row.TransactionId.ShouldBe(transactionId);
        row.ExpiryTokenId.ShouldBeNull();
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(2));
        row.VerificationDueAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(2));
        row.SubmittedAfterExpiry.ShouldBeFalse();
        row.CreatedAt.ShouldBe(PaymentSagaHarness.Start);
    }

    [Fact]
    public async Task A_submission_to_the_wrong_intent_does_not_claim_the_transaction_from_the_intent_it_paid()
    {
        var wrong = await _saga.InitiatedAsync();
        var right = await _saga.InitiatedAsync();
        var transactionId = PaymentSagaHarness.NewTransactionId();

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(wrong, transactionId));
        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(right, transactionId));

        await _saga.ShouldBeInAsync(wrong, _saga.Machine.Verifying);
        await _saga.ShouldBeInAsync(right, _saga.Machine.Verifying);
        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(right).Count == 1, "the right intent was not verified");

        // The portal reports the right intent's reference: one is rejected, the other confirmed.
        await _saga.PublishAndWaitAsync(new PaymentRejected(wrong, transactionId, "reference mismatch: expected a, got b", "mined"));
        await _saga.PublishAndWaitAsync(new PaymentVerified(right, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));

        await _saga.ShouldBeInAsync(wrong, _saga.Machine.Failed);
        await _saga.ShouldBeInAsync(right, _saga.Machine.Confirmed);
        _saga.Row(wrong).LastError.ShouldBe("reference mismatch: expected a, got b");
        _saga.Row(right).TransactionId.ShouldBe(transactionId);
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_transaction_that_confirmed_another_intent_fails_the_next_one_as_already_used()
    {
        var (owner, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentVerified(owner, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));
        await _saga.ShouldBeInAsync(owner, _saga.Machine.Confirmed);
        var second = await _saga.InitiatedAsync();

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(second, transactionId));
        await _saga.ShouldBeInAsync(second, _saga.Machine.Verifying);
        await _saga.PublishAndWaitAsync(new PaymentRejected(second, transactionId, "reference mismatch: expected a, got b", "mined"));

        await _saga.ShouldBeInAsync(second, _saga.Machine.Failed);
        _saga.Row(second).LastError.ShouldBe("transaction already used");
        _saga.Row(owner).CurrentState.ShouldBe(PaymentStatuses.Confirmed);
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task Resubmissions_while_the_verification_reports_on_time_send_nothing_more()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 1, "no VerifyPayment was sent");

        for (var i = 0; i < 20; i++)
        {
            _saga.Time.Advance(TimeSpan.FromSeconds(2));
            await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", i + 1, TimeSpan.FromSeconds(5)));
            await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));
        }

        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(1);
        _saga.Row(paymentId).VerificationDueAt.ShouldBe(PaymentSagaHarness.Start.AddSeconds(40 + 5));
    }

    [Fact]
    public async Task Resubmission_of_the_same_transaction_sends_verify_payment_again_once_the_verification_is_overdue()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 1, "no VerifyPayment was sent");

        // The longest re-check interval is the 5 min redelivery cap: just inside it, a chain may still be alive.
        _saga.Time.Advance(TimeSpan.FromMinutes(5));
        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));
        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(1);

        _saga.Time.Advance(TimeSpan.FromSeconds(1));
        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));

        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 2, "VerifyPayment was not sent again");
        _saga.VerifyCommandsSentFor(paymentId).Select(x => x.Context.Message).Distinct().Count().ShouldBe(1);
        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.Verifying);
        row.TransactionId.ShouldBe(transactionId);
        row.VerificationDueAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(5).AddSeconds(1));
    }

    [Fact]
    public async Task A_command_sent_again_carries_the_time_of_the_first_portal_answer()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        var firstAnswer = PaymentSagaHarness.Start.AddSeconds(3);
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(5), firstAnswer));
        _saga.Time.Advance(TimeSpan.FromMinutes(10));

        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));

        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 2, "VerifyPayment was not sent again");
        _saga.VerifyCommandsSentFor(paymentId)[^1].Context.Message.FirstCheckedAt.ShouldBe(firstAnswer);
    }

    [Fact]
    public async Task Submission_of_another_transaction_while_verifying_is_ignored()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 1, "no VerifyPayment was sent");
        var before = _saga.Snapshot(paymentId);
        _saga.Time.Advance(TimeSpan.FromMinutes(1));

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, PaymentSagaHarness.NewTransactionId()));

        _saga.Snapshot(paymentId).ShouldBe(before);
        _saga.Row(paymentId).TransactionId.ShouldBe(transactionId);
        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(1);
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task Submission_while_needing_review_is_ignored()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "gave up");
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        var before = _saga.Snapshot(paymentId);
        _saga.Time.Advance(TimeSpan.FromMinutes(1));

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));

        _saga.Snapshot(paymentId).ShouldBe(before);
        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Verdicts_before_any_submission_are_ignored_without_a_fault()
    {
        var paymentId = await _saga.InitiatedAsync();
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.AwaitingTransaction);
        var before = _saga.Snapshot(paymentId);
        var transactionId = PaymentSagaHarness.NewTransactionId();

        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));
        await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "not found", null));
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "gave up");

        _saga.Snapshot(paymentId).ShouldBe(before);
        await _saga.QuietAsync();
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }
}
