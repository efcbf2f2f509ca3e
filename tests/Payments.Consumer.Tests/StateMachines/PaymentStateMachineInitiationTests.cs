using MassTransit;
using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineInitiationTests : IAsyncLifetime
{
    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task Initiation_responds_with_reference_status_and_expiry()
    {
        var command = PaymentSagaHarness.NewIntent();

        var response = await _saga.InitiateAsync(command);

        response.PaymentId.ShouldBe(command.PaymentId);
        response.Reference.ShouldBe(command.PaymentId.ToString("N"));
        response.Reference.ShouldMatch("^[0-9a-f]{32}$");
        response.Status.ShouldBe(PaymentStatuses.AwaitingTransaction);
        response.ExpiresAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(15));
    }

    [Fact]
    public async Task Initiation_stores_the_intent_awaiting_its_transaction()
    {
        var command = PaymentSagaHarness.NewIntent();

        await _saga.InitiateAsync(command);

        await _saga.ShouldBeInAsync(command.PaymentId, _saga.Machine.AwaitingTransaction);
        var row = _saga.Row(command.PaymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.AwaitingTransaction);
        row.Reference.ShouldBe(command.PaymentId.ToString("N"));
        row.UserId.ShouldBe(command.UserId);
        row.ClientId.ShouldBe(InitiatePayment.DefaultClient);
        row.Recipient.ShouldBe(command.Recipient.ToLowerInvariant());
        row.Token.ShouldBe(command.Token);
        row.Amount.ShouldBe(command.Amount);
        row.CreatedAt.ShouldBe(PaymentSagaHarness.Start);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start);
        row.ExpiresAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(15));
        row.ExpiryTokenId.ShouldBeNull();
        row.TransactionId.ShouldBeNull();
        row.VerificationAttempts.ShouldBe(0);
        row.LastError.ShouldBeNull();
    }

    [Fact]
    public async Task Initiation_stores_the_client_that_owns_the_intent()
    {
        var command = PaymentSagaHarness.NewIntent() with { ClientId = "shop" };

        await _saga.InitiateAsync(command);

        await _saga.ShouldBeInAsync(command.PaymentId, _saga.Machine.AwaitingTransaction);
        _saga.Row(command.PaymentId).ClientId.ShouldBe("shop");
    }

    [Fact]
    public async Task Initiation_schedules_no_expiry_message_the_reconciler_expires_the_intent()
    {
        var command = PaymentSagaHarness.NewIntent();

        await _saga.InitiateAsync(command);
        await _saga.ShouldBeInAsync(command.PaymentId, _saga.Machine.AwaitingTransaction);
        await _saga.QuietAsync();

        _saga.Harness.Sent.Select<PaymentExpiryDue>(x => x.Context.Message.PaymentId == command.PaymentId, new CancellationToken(true)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Duplicate_initiation_answers_again_and_changes_nothing()
    {
        var command = PaymentSagaHarness.NewIntent();
        var first = await _saga.InitiateAsync(command);
        await _saga.ShouldBeInAsync(command.PaymentId, _saga.Machine.AwaitingTransaction);
        var before = _saga.Snapshot(command.PaymentId);
        _saga.Time.Advance(TimeSpan.FromMinutes(3));

        var again = await _saga.InitiateAsync(command with { UserId = "someone-else", Amount = "1" });

        again.ShouldBe(first);
        _saga.Snapshot(command.PaymentId).ShouldBe(before);
    }

    [Fact]
    public async Task Duplicate_initiation_of_a_settled_intent_answers_with_its_current_status()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xabc", "mined", PaymentSagaHarness.Start));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);
        var before = _saga.Snapshot(paymentId);

        var again = await _saga.InitiateAsync(PaymentSagaHarness.NewIntent(paymentId));

        again.Reference.ShouldBe(paymentId.ToString("N"));
        again.Status.ShouldBe(PaymentStatuses.Confirmed);
        again.ExpiresAt.ShouldBe(before.ExpiresAt);
        _saga.Snapshot(paymentId).ShouldBe(before);
    }

    [Fact]
    public async Task Events_for_an_unknown_payment_are_discarded_without_a_fault()
    {
        var unknown = NewId.NextGuid();
        var transactionId = PaymentSagaHarness.NewTransactionId();

        await _saga.Harness.Bus.Publish(new PaymentTransactionSubmitted(unknown, transactionId));
        await _saga.Harness.Bus.Publish(new PaymentVerified(unknown, transactionId, "0xabc", "mined", PaymentSagaHarness.Start));

        await PaymentSagaHarness.EventuallyAsync(
            () => _saga.Harness.Consumed.Select<PaymentVerified>(x => x.Context.Message.PaymentId == unknown, new CancellationToken(true)).Any()
                && _saga.Harness.Consumed.Select<PaymentTransactionSubmitted>(x => x.Context.Message.PaymentId == unknown, new CancellationToken(true)).Any(),
            "the saga endpoint did not receive the events");
        _saga.Saga.Sagas.Contains(unknown).ShouldBeNull();
        await _saga.QuietAsync();
        _saga.SagaFaultsPublished().ShouldBeEmpty();
        _saga.VerifyCommandsSentFor(unknown).ShouldBeEmpty();
    }
}
