using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineFinalStateTests : IAsyncLifetime
{
    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Theory]
    [InlineData(PaymentStatuses.Confirmed)]
    [InlineData(PaymentStatuses.Failed)]
    public async Task A_settled_payment_ignores_every_event(string finalStatus)
    {
        var (paymentId, transactionId) = await SettleAsync(finalStatus);
        var before = _saga.Snapshot(paymentId);
        var sentBefore = _saga.VerifyCommandsSentFor(paymentId).Count;
        _saga.Time.Advance(TimeSpan.FromHours(1));

        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));
        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, PaymentSagaHarness.NewTransactionId()));
        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xother", "mined", PaymentSagaHarness.Start));
        await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "late rejection", "failed"));
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 9, TimeSpan.FromSeconds(5)));
        await _saga.PublishAndWaitAsync(new PaymentVerificationDeferred(paymentId, transactionId, "DeveloperPortal", 3, TimeSpan.FromSeconds(30)));
        await _saga.PublishAndWaitAsync(new PaymentVerificationRetrying(paymentId, transactionId, 1, "portal answered 503", TimeSpan.FromSeconds(5)));
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, "underpaid", "underpaid: expected 2, got 1 (base units)", "mined", null));
        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));
        await _saga.PublishAndWaitAsync(new PaymentExpiryDue(paymentId));
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "late fault");

        _saga.Snapshot(paymentId).ShouldBe(before);
        _saga.Saga.Consumed.Select(x => x.Exception != null, new CancellationToken(true)).ShouldBeEmpty();
        await _saga.QuietAsync();
        _saga.SagaFaultsPublished().ShouldBeEmpty();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(sentBefore);
        _saga.Snapshot(paymentId).ShouldBe(before);
    }

    [Fact]
    public async Task An_expired_intent_ignores_every_event_but_a_transaction()
    {
        var paymentId = await _saga.InitiatedAsync();
        await _saga.ExpireAsync(paymentId);
        var before = _saga.Snapshot(paymentId);
        var transactionId = PaymentSagaHarness.NewTransactionId();
        _saga.Time.Advance(TimeSpan.FromHours(1));

        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xother", "mined", PaymentSagaHarness.Start));
        await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "late rejection", "failed"));
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 9, TimeSpan.FromSeconds(5)));
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, "overpaid", "overpaid", "mined", null));
        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));
        await _saga.PublishAndWaitAsync(new PaymentExpiryDue(paymentId));
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "late fault");

        _saga.Snapshot(paymentId).ShouldBe(before);
        await _saga.QuietAsync();
        _saga.SagaFaultsPublished().ShouldBeEmpty();
        _saga.VerifyCommandsSentFor(paymentId).ShouldBeEmpty();
    }

    private async Task<(Guid PaymentId, string TransactionId)> SettleAsync(string finalStatus)
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        if (finalStatus == PaymentStatuses.Confirmed)
        {
            await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));
            await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);
        }
        else
        {
            await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "recipient mismatch", "mined"));
            await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Failed);
        }

        return (paymentId, transactionId);
    }
}
