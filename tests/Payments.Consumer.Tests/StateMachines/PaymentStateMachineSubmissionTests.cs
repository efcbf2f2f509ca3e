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
        row.CreatedAt.ShouldBe(PaymentSagaHarness.Start);
    }

    [Fact]
    public async Task Submission_of_a_transaction_used_by_another_intent_fails_the_intent()
    {
        var (owner, transactionId) = await _saga.VerifyingAsync();
        var second = await _saga.InitiatedAsync();
        _saga.Time.Advance(TimeSpan.FromMinutes(1));

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(second, transactionId));

        await _saga.ShouldBeInAsync(second, _saga.Machine.Failed);
        var row = _saga.Row(second);
        row.LastError.ShouldBe("transaction already used");
        row.TransactionId.ShouldBeNull();
        row.ExpiryTokenId.ShouldBeNull();
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(1));
        _saga.Row(owner).CurrentState.ShouldBe(PaymentStatuses.Verifying);
        _saga.Row(owner).TransactionId.ShouldBe(transactionId);
        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(second).ShouldBeEmpty();
        _saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    [Fact]
    public async Task Resubmission_of_the_same_transaction_while_verifying_sends_verify_payment_again()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 1, "no VerifyPayment was sent");
        _saga.Time.Advance(TimeSpan.FromMinutes(1));

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));

        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 2, "VerifyPayment was not sent again");
        _saga.VerifyCommandsSentFor(paymentId).Select(x => x.Context.Message).Distinct().Count().ShouldBe(1);
        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.Verifying);
        row.TransactionId.ShouldBe(transactionId);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(1));
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
