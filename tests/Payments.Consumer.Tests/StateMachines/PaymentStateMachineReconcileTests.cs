using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineReconcileTests : IAsyncLifetime
{
    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task Reconciling_an_intent_past_its_deadline_expires_it_even_without_the_expiry_message()
    {
        var paymentId = await _saga.InitiatedAsync();
        _saga.Time.Advance(TimeSpan.FromMinutes(15));

        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Expired);
    }

    [Fact]
    public async Task Reconciling_an_intent_before_its_deadline_changes_nothing()
    {
        var paymentId = await _saga.InitiatedAsync();
        var before = _saga.Snapshot(paymentId);
        _saga.Time.Advance(TimeSpan.FromMinutes(14));

        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));

        _saga.Snapshot(paymentId).ShouldBe(before);
    }

    [Fact]
    public async Task Reconciling_a_verification_overdue_by_the_stale_time_sends_its_command_again()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(60)));
        _saga.Time.Advance(TimeSpan.FromSeconds(60) + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));

        await PaymentSagaHarness.EventuallyAsync(() => _saga.VerifyCommandsSentFor(paymentId).Count == 2, "VerifyPayment was not sent again");
        _saga.Row(paymentId).VerificationDueAt.ShouldBe(_saga.Time.GetUtcNow());

        // A second reconciliation right after finds the chain due again and leaves it alone.
        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));
        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Reconciling_a_verification_that_reports_on_time_sends_nothing()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentVerificationDeferred(paymentId, transactionId, "DeveloperPortal", 1, TimeSpan.FromSeconds(36)));
        _saga.Time.Advance(TimeSpan.FromMinutes(5));

        await _saga.PublishAndWaitAsync(new ReconcilePayment(paymentId));

        await _saga.QuietAsync();
        _saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(1);
    }
}
