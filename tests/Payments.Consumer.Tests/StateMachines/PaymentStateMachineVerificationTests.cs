using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineVerificationTests : IAsyncLifetime
{
    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync();

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task Verified_confirms_the_payment_with_hash_status_and_time()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromMinutes(4));

        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);
        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.Confirmed);
        row.TransactionHash.ShouldBe("0xhash");
        row.RawPortalStatus.ShouldBe("mined");
        row.ConfirmedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(4));
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(4));
        row.VerificationAttempts.ShouldBe(1);
        row.LastError.ShouldBeNull();
    }

    [Fact]
    public async Task Rejected_fails_the_payment_with_the_reason()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromMinutes(4));

        await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "amount mismatch: expected 1500000, got 1000000", "mined"));

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Failed);
        var row = _saga.Row(paymentId);
        row.LastError.ShouldBe("amount mismatch: expected 1500000, got 1000000");
        row.RawPortalStatus.ShouldBe("mined");
        row.ConfirmedAt.ShouldBeNull();
        row.TransactionHash.ShouldBeNull();
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(4));
        row.VerificationAttempts.ShouldBe(1);
    }

    [Fact]
    public async Task Rejection_without_a_portal_status_keeps_the_last_one()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(5)));

        await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "transaction not found", null));

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Failed);
        _saga.Row(paymentId).RawPortalStatus.ShouldBe("pending");
        _saga.Row(paymentId).LastError.ShouldBe("transaction not found");
    }

    [Fact]
    public async Task Pending_keeps_verifying_and_counts_every_check()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromSeconds(5));

        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(5)));
        _saga.Row(paymentId).PendingChecks.ShouldBe(1);
        _saga.Time.Advance(TimeSpan.FromSeconds(5));
        // A re-sent command restarts the event's own count; the saga's count still grows.
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(5)));
        _saga.Row(paymentId).PendingChecks.ShouldBe(2);
        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "mined", 7, TimeSpan.FromSeconds(40)));

        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.Verifying);
        row.PendingChecks.ShouldBe(7);
        row.RawPortalStatus.ShouldBe("mined");
        row.VerificationAttempts.ShouldBe(3);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddSeconds(10));
    }

    [Fact]
    public async Task Deferred_keeps_verifying_and_counts_deferrals_without_an_attempt()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromSeconds(30));

        await _saga.PublishAndWaitAsync(new PaymentVerificationDeferred(paymentId, transactionId, "DeveloperPortal", 1, TimeSpan.FromSeconds(30)));
        await _saga.PublishAndWaitAsync(new PaymentVerificationDeferred(paymentId, transactionId, "DeveloperPortal", 2, TimeSpan.FromSeconds(30)));

        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.Verifying);
        row.CircuitDeferrals.ShouldBe(2);
        row.VerificationAttempts.ShouldBe(0);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddSeconds(30));
    }

    [Fact]
    public async Task A_fault_moves_the_payment_to_review_with_the_fault_message()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        _saga.Time.Advance(TimeSpan.FromMinutes(30));

        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "portal returned 503 after 10 redeliveries");

        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.NeedsReview);
        row.ReviewReason.ShouldBe(ReviewReasons.VerificationFaulted);
        row.LastError.ShouldBe("verificationFaulted: verification failed; redeliveries exhausted");
        row.VerificationAttempts.ShouldBe(1);
        row.UpdatedAt.ShouldBe(PaymentSagaHarness.Start.AddMinutes(30));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_payment_in_review_accepts_a_late_verdict(bool verified)
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "gave up");
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        _saga.Time.Advance(TimeSpan.FromHours(1));

        if (verified)
        {
            await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, "0xhash", "mined", PaymentSagaHarness.Start));
            await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);
            _saga.Row(paymentId).ConfirmedAt.ShouldBe(PaymentSagaHarness.Start.AddHours(1));
            _saga.Row(paymentId).TransactionHash.ShouldBe("0xhash");
        }
        else
        {
            await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "transaction failed on chain", "failed"));
            await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Failed);
            _saga.Row(paymentId).LastError.ShouldBe("transaction failed on chain");
        }

        _saga.Row(paymentId).VerificationAttempts.ShouldBe(2);
    }

    [Fact]
    public async Task A_payment_in_review_records_further_checks_and_stays_in_review()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "gave up");
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);

        await _saga.PublishAndWaitAsync(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(5)));
        await _saga.PublishAndWaitAsync(new PaymentVerificationDeferred(paymentId, transactionId, "DeveloperPortal", 1, TimeSpan.FromSeconds(30)));
        await _saga.PublishFaultAndWaitAsync(paymentId, transactionId, "gave up again");

        var row = _saga.Row(paymentId);
        row.CurrentState.ShouldBe(PaymentStatuses.NeedsReview);
        row.PendingChecks.ShouldBe(1);
        row.CircuitDeferrals.ShouldBe(1);
        row.LastError.ShouldBe("verificationFaulted: verification failed; redeliveries exhausted");
        row.ReviewReason.ShouldBe(ReviewReasons.VerificationFaulted);
        row.VerificationAttempts.ShouldBe(3);
    }

    [Fact]
    public async Task Concurrent_events_for_one_payment_are_all_counted()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        const int Each = 25;

        await Task.WhenAll(Enumerable.Range(1, Each).SelectMany(i => new[]
        {
            _saga.Harness.Bus.Publish(new PaymentVerificationPending(paymentId, transactionId, "pending", 1, TimeSpan.FromSeconds(i))),
            _saga.Harness.Bus.Publish(new PaymentVerificationDeferred(paymentId, transactionId, "DeveloperPortal", i, TimeSpan.FromSeconds(i))),
        }));

        await PaymentSagaHarness.EventuallyAsync(
            () => _saga.ConsumedBySaga<PaymentVerificationPending>(x => x.PaymentId == paymentId).Count == Each
                && _saga.ConsumedBySaga<PaymentVerificationDeferred>(x => x.PaymentId == paymentId).Count == Each,
            "the saga did not consume every event");
        var row = _saga.Row(paymentId);
        row.PendingChecks.ShouldBe(Each);
        row.CircuitDeferrals.ShouldBe(Each);
        row.VerificationAttempts.ShouldBe(Each);
        row.CurrentState.ShouldBe(PaymentStatuses.Verifying);
    }
}
