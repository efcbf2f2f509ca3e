using System.Net;
using MassTransit;
using Payments.Consumer.Portal;
using Payments.Consumer.Tests.Testing;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using static Payments.Consumer.Tests.Verification.VerificationData;
using MtHeaders = MassTransit.MessageHeaders;
using PaymentHeaders = Payments.Contracts.MessageHeaders;

namespace Payments.Consumer.Tests.Verification;

public class VerifyPaymentConsumerTests
{
    [Fact]
    public async Task Mined_matching_transaction_publishes_payment_verified()
    {
        var portal = new FakeDeveloperPortalClient().Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        var verified = await verification.PublishedAsync<PaymentVerified>();
        verified.ShouldBe(new PaymentVerified(command.PaymentId, TransactionId, Hash, "mined", VerificationHarness.Start));
        (await verification.AnyPublishedSoonAsync<PaymentRejected>()).ShouldBeFalse();
        verification.Published<PaymentVerified>().Count.ShouldBe(1);
        portal.Calls.ShouldBe(1);
    }

    [Fact]
    public async Task Recipient_in_another_case_still_verifies()
    {
        var checksummed = "0x" + Recipient[2..].ToUpperInvariant();
        var portal = new FakeDeveloperPortalClient().Returns(Found(Transaction() with { Recipient = checksummed }));
        await using var verification = await VerificationHarness.StartAsync(portal);

        await verification.SendAsync(Command());

        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        (await verification.AnyPublishedSoonAsync<PaymentRejected>()).ShouldBeFalse();
    }

    public static TheoryData<string, string?, string> Mismatches => new()
    {
        { "reference", "ffffffffffffffffffffffffffffffff", $"reference mismatch: expected {Reference}, got ffffffffffffffffffffffffffffffff" },
        { "recipient", "0x0000000000000000000000000000000000000bad", $"recipient mismatch: expected {Recipient}, got 0x0000000000000000000000000000000000000bad" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public async Task Money_for_another_reference_or_recipient_publishes_payment_rejected_naming_the_field(
        string field, string? actual, string reason)
    {
        var transaction = field == "reference" ? Transaction() with { Reference = actual } : Transaction() with { Recipient = actual };
        var portal = new FakeDeveloperPortalClient().Returns(Found(transaction));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentRejected>())
            .ShouldBe(new PaymentRejected(command.PaymentId, TransactionId, reason, "mined"));
        (await verification.AnyPublishedSoonAsync<PaymentVerified>()).ShouldBeFalse();
    }

    public static TheoryData<string, string, string, string> Reviews => new()
    {
        { "token", "WLD", "wrongToken", "wrongToken: expected USDC, got WLD" },
        { "amount", "1499999", "underpaid", "underpaid: expected 1500000, got 1499999 (base units)" },
        { "amount", "1500001", "overpaid", "overpaid: expected 1500000, got 1500001 (base units)" },
    };

    [Theory]
    [MemberData(nameof(Reviews))]
    public async Task Money_that_reached_the_recipient_but_does_not_match_publishes_needs_review_once(
        string field, string actual, string reviewReason, string reason)
    {
        var transaction = field == "token" ? Transaction() with { Token = actual } : Transaction() with { TokenAmount = actual };
        var portal = new FakeDeveloperPortalClient().Returns(Found(transaction));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentNeedsReview>())
            .ShouldBe(new PaymentNeedsReview(command.PaymentId, TransactionId, reviewReason, reason, "mined", Hash));
        (await verification.AnyPublishedSoonAsync<PaymentRejected>()).ShouldBeFalse();
        verification.Published<PaymentVerified>().ShouldBeEmpty();
        (await verification.AnyDeliveryBeyondAsync(1)).ShouldBeFalse();
    }

    [Fact]
    public async Task Failed_transaction_is_rejected_as_failed_on_chain()
    {
        var portal = new FakeDeveloperPortalClient().Returns(Found(Transaction("failed", hash: Hash)));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentRejected>())
            .ShouldBe(new PaymentRejected(command.PaymentId, TransactionId, "transaction failed on chain", "failed"));
        (await verification.AnyPublishedSoonAsync<PaymentVerified>()).ShouldBeFalse();
    }

    [Fact]
    public async Task Not_found_within_the_grace_of_the_first_answer_is_checked_again_and_then_verified()
    {
        var portal = new FakeDeveloperPortalClient()
            .Returns(new PortalLookup.NotFound())
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentVerificationPending>()).ShouldBe(new PaymentVerificationPending(
            command.PaymentId, TransactionId, "not_found", 1, TimeSpan.FromSeconds(5), VerificationHarness.Start));
        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        second.Context.Message.ShouldBe(command with { FirstCheckedAt = VerificationHarness.Start });
        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        verification.Published<PaymentRejected>().ShouldBeEmpty();
    }

    [Fact]
    public async Task Unknown_transaction_past_the_not_found_grace_is_rejected_as_not_found()
    {
        var portal = new FakeDeveloperPortalClient().Returns(new PortalLookup.NotFound());
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command() with { FirstCheckedAt = VerificationHarness.Start - TimeSpan.FromSeconds(60) };

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentRejected>())
            .ShouldBe(new PaymentRejected(command.PaymentId, TransactionId, "transaction not found in Developer Portal", null));
        (await verification.AnyDeliveryBeyondAsync(1)).ShouldBeFalse();
    }

    [Fact]
    public async Task Pending_transaction_is_rechecked_after_five_then_ten_seconds_until_mined()
    {
        var portal = new FakeDeveloperPortalClient()
            .Returns(Found(Transaction("pending", hash: null)))
            .Returns(Found(Transaction("pending", hash: null)))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);
        (await verification.PublishedAsync<PaymentVerificationPending>(m => m.PendingChecks == 1))
            .ShouldBe(new PaymentVerificationPending(
                command.PaymentId, TransactionId, "pending", 1, TimeSpan.FromSeconds(5), VerificationHarness.Start));
        (await verification.ScheduledDelayAsync(2)).ShouldBeInRange(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));

        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        ReadHeader(second.Context, PaymentHeaders.PendingCheckCount).ShouldBe(1);
        ReadHeader(second.Context, MtHeaders.RedeliveryCount).ShouldBeNull();
        (await verification.PublishedAsync<PaymentVerificationPending>(m => m.PendingChecks == 2))
            .NextCheckIn.ShouldBe(TimeSpan.FromSeconds(10));
        (await verification.ScheduledDelayAsync(3)).ShouldBeInRange(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10));

        var third = await verification.AdvanceToDeliveryAsync(3, TimeSpan.FromSeconds(10));
        ReadHeader(third.Context, PaymentHeaders.PendingCheckCount).ShouldBe(2);
        ReadHeader(third.Context, MtHeaders.RedeliveryCount).ShouldBeNull();

        (await verification.PublishedAsync<PaymentVerified>()).PaymentId.ShouldBe(command.PaymentId);
        portal.Calls.ShouldBe(3);
        var first = await verification.DeliveryAsync(1);
        third.Context.MessageId.ShouldNotBe(second.Context.MessageId);
        second.Context.GetOriginalMessageId().ShouldBe(first.Context.MessageId);
        third.Context.GetOriginalMessageId().ShouldBe(first.Context.MessageId);
    }

    [Fact]
    public async Task Mined_without_hash_is_rechecked_and_verified_once_the_hash_appears()
    {
        var portal = new FakeDeveloperPortalClient()
            .Returns(Found(Transaction("mined", hash: null)))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentVerificationPending>())
            .ShouldBe(new PaymentVerificationPending(
                command.PaymentId, TransactionId, "mined", 1, TimeSpan.FromSeconds(5), VerificationHarness.Start));
        (await verification.ScheduledDelayAsync(2)).ShouldBeInRange(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));

        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));

        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        ReadHeader(second.Context, PaymentHeaders.PendingCheckCount).ShouldBe(1);
        ReadHeader(second.Context, MtHeaders.RedeliveryCount).ShouldBeNull();
        verification.Published<PaymentVerificationPending>().Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("pending", "pendingTooLong")]
    [InlineData("reverted", "unknownPortalStatus")]
    public async Task Past_the_pending_budget_the_intent_goes_to_review_with_the_reason_of_the_last_answer(string status, string reviewReason)
    {
        var portal = new FakeDeveloperPortalClient().Returns(Found(Transaction(status, hash: null)));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command() with { FirstCheckedAt = VerificationHarness.Start - TimeSpan.FromHours(24) };

        await verification.SendAsync(command);

        var review = await verification.PublishedAsync<PaymentNeedsReview>();
        review.ReviewReason.ShouldBe(reviewReason);
        review.Reason.ShouldBe($"{reviewReason}: the portal still answered '{status}' 24 h after its first answer");
        review.TransactionHash.ShouldBeNull();
        verification.Published<PaymentVerificationPending>().ShouldBeEmpty();
        (await verification.AnyDeliveryBeyondAsync(1)).ShouldBeFalse();
    }

    [Fact]
    public async Task An_unknown_status_inside_the_budget_is_checked_again_like_a_pending_one_without_a_retry()
    {
        var portal = new FakeDeveloperPortalClient()
            .Returns(Found(Transaction("reverted\u0000" + new string('x', 100))))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);

        await verification.SendAsync(Command());

        var pending = await verification.PublishedAsync<PaymentVerificationPending>();
        pending.PortalStatus.Length.ShouldBeLessThanOrEqualTo(32);
        pending.PortalStatus.ShouldStartWith("reverted?");
        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        ReadHeader(second.Context, MtHeaders.RedeliveryCount).ShouldBeNull();
        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        verification.Published<Fault<VerifyPayment>>().ShouldBeEmpty();
    }

    [Fact]
    public async Task Open_circuit_defers_with_jitter_without_consuming_a_retry()
    {
        var portal = new FakeDeveloperPortalClient()
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(30)))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal, jitterSample: 0.5);
        var command = Command();

        await verification.SendAsync(command);

        // 30 s retry-after + 0.5 of the jitter, 20 % of it capped at 2 s = 31 s.
        (await verification.PublishedAsync<PaymentVerificationDeferred>())
            .ShouldBe(new PaymentVerificationDeferred(command.PaymentId, TransactionId, "DeveloperPortal", 1, TimeSpan.FromSeconds(31)));
        (await verification.ScheduledDelayAsync(2)).ShouldBeInRange(TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(31));

        // Well short of the delay, with room for the wall clock that MassTransit's in-memory delays also follow.
        await verification.AdvanceAsync(TimeSpan.FromSeconds(25));
        (await verification.AnyDeliveryBeyondAsync(1)).ShouldBeFalse();

        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(8));
        var first = await verification.DeliveryAsync(1);
        ReadHeader(first.Context, MtHeaders.RedeliveryCount).ShouldBeNull();
        ReadHeader(second.Context, MtHeaders.RedeliveryCount).ShouldBeNull();
        ReadHeader(second.Context, PaymentHeaders.DeferralCount).ShouldBe(1);
        second.Context.Message.ShouldBe(command);
        second.Context.GetOriginalMessageId().ShouldBe(first.Context.MessageId);
        second.Context.ConversationId.ShouldBe(first.Context.ConversationId);
        (await verification.PublishedAsync<PaymentVerified>()).PaymentId.ShouldBe(command.PaymentId);
        portal.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task A_rejection_in_half_open_is_deferred_for_seconds_not_for_the_probes_timeout()
    {
        var portal = new FakeDeveloperPortalClient()
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(30), HalfOpen: true))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal, jitterSample: 1.0);
        var command = Command();

        await verification.SendAsync(command);

        // The 2 s half-open deferral + all of its 20 % jitter.
        (await verification.PublishedAsync<PaymentVerificationDeferred>())
            .ShouldBe(new PaymentVerificationDeferred(command.PaymentId, TransactionId, "DeveloperPortal", 1, TimeSpan.FromSeconds(2.4)));
        await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        (await verification.PublishedAsync<PaymentVerified>()).PaymentId.ShouldBe(command.PaymentId);
    }

    [Theory]
    [InlineData("3", 4)]
    [InlineData("not a number", 1)]
    [InlineData("-7", 1)]
    public async Task Deferral_counter_arriving_as_text_off_the_wire_is_read_or_restarted(string arriving, int expected)
    {
        var portal = new FakeDeveloperPortalClient().Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(10)));
        await using var verification = await VerificationHarness.StartAsync(portal, jitterSample: 0.0);

        await verification.SendAsync(Command(), new Dictionary<string, object> { [PaymentHeaders.DeferralCount] = arriving });

        (await verification.PublishedAsync<PaymentVerificationDeferred>()).Deferrals.ShouldBe(expected);
        (await verification.DeliveryAsync(1)).Exception.ShouldBeNull();
    }

    [Fact]
    public async Task Deferral_after_a_redelivery_keeps_the_redelivery_count_and_increments_the_deferral_count()
    {
        var portal = new FakeDeveloperPortalClient()
            .Throws(new PortalRequestException(HttpStatusCode.ServiceUnavailable, "503 from portal"))
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(10)))
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(10)))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal, jitterSample: 0.0);

        await verification.SendAsync(Command());

        var redelivered = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        ReadHeader(redelivered.Context, MtHeaders.RedeliveryCount).ShouldBe(1);
        ReadHeader(redelivered.Context, PaymentHeaders.DeferralCount).ShouldBeNull();

        var deferredOnce = await verification.AdvanceToDeliveryAsync(3, TimeSpan.FromSeconds(10));
        ReadHeader(deferredOnce.Context, MtHeaders.RedeliveryCount).ShouldBe(1);
        ReadHeader(deferredOnce.Context, PaymentHeaders.DeferralCount).ShouldBe(1);

        var deferredTwice = await verification.AdvanceToDeliveryAsync(4, TimeSpan.FromSeconds(10));
        ReadHeader(deferredTwice.Context, MtHeaders.RedeliveryCount).ShouldBe(1);
        ReadHeader(deferredTwice.Context, PaymentHeaders.DeferralCount).ShouldBe(2);

        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        verification.Published<PaymentVerificationDeferred>().Select(m => m.Deferrals).ShouldBe([1, 2]);
        verification.Published<PaymentVerificationDeferred>().ShouldAllBe(m => m.RetryAfter == TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Portal_failure_is_redelivered_after_five_seconds_and_then_verified()
    {
        var portal = new FakeDeveloperPortalClient()
            .Throws(new PortalRequestException(HttpStatusCode.ServiceUnavailable, "503 from portal"))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);

        await verification.SendAsync(Command());
        (await verification.DeliveryAsync(1)).Exception.ShouldBeOfType<PortalRequestException>();
        (await verification.ScheduledDelayAsync(2)).ShouldBeInRange(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));

        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        ReadHeader(second.Context, MtHeaders.RedeliveryCount).ShouldBe(1);
        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        verification.Published<Fault<VerifyPayment>>().ShouldBeEmpty();
        portal.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task A_verdict_the_broker_never_confirms_fails_at_the_publish_deadline_and_is_verified_on_redelivery()
    {
        var portal = new FakeDeveloperPortalClient().Returns(Found(Transaction())).Returns(Found(Transaction()));
        var unconfirmed = new UnconfirmedPublishes(typeof(PaymentVerified));
        await using var verification = await VerificationHarness.StartAsync(portal, unconfirmed: unconfirmed);
        var command = Command();

        await verification.SendAsync(command);
        await unconfirmed.FirstHeld.WaitAsync(TimeSpan.FromSeconds(30));
        verification.Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        (await verification.AnyDeliveryBeyondAsync(0)).ShouldBeFalse("the delivery still waits, inside the deadline");

        verification.Time.Advance(TimeSpan.FromMilliseconds(1));
        (await verification.DeliveryAsync(1)).Exception.ShouldBeOfType<PublishTimeoutException>();
        (await verification.PublishedAsync<PaymentVerificationRetrying>()).Attempt.ShouldBe(1);

        unconfirmed.Release();
        var second = await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        ReadHeader(second.Context, MtHeaders.RedeliveryCount).ShouldBe(1);
        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        verification.Published<PaymentVerified>().Count.ShouldBe(1);
        verification.Published<Fault<VerifyPayment>>().ShouldBeEmpty();
        portal.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task A_real_failure_reports_the_coming_redelivery_with_a_reason_that_names_no_host()
    {
        var portal = new FakeDeveloperPortalClient()
            .Throws(new PortalRequestException(null, "connection error: Connection refused (portal.internal:443)"))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal);
        var command = Command();

        await verification.SendAsync(command);

        (await verification.PublishedAsync<PaymentVerificationRetrying>())
            .ShouldBe(new PaymentVerificationRetrying(command.PaymentId, TransactionId, 1, "verification error", TimeSpan.FromSeconds(5)));
        await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        (await verification.PublishedAsync<PaymentVerified>()).TransactionHash.ShouldBe(Hash);
        verification.Published<PaymentVerificationRetrying>().Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_portal_error_status_is_reported_as_the_status_code()
    {
        var portal = new FakeDeveloperPortalClient().Throws(new PortalRequestException(HttpStatusCode.ServiceUnavailable, "503 from portal"));
        await using var verification = await VerificationHarness.StartAsync(portal);

        await verification.SendAsync(Command());

        (await verification.PublishedAsync<PaymentVerificationRetrying>()).Error.ShouldBe("portal answered 503");
    }

    [Fact]
    public async Task Exhausted_redeliveries_publish_a_fault()
    {
        var portal = new FakeDeveloperPortalClient()
            .Throws(new PortalRequestException(HttpStatusCode.BadGateway, "502 from portal"));
        var settings = new Dictionary<string, string?>
        {
            ["Verification:RedeliveryLimit"] = "2",
            // Minutes rather than seconds: MassTransit's in-memory delays also follow the wall clock, and the test
            // asserts that no fault appears between attempts.
            ["Verification:RedeliveryMinInterval"] = "00:01:00",
        };
        await using var verification = await VerificationHarness.StartAsync(portal, settings);
        var command = Command();

        await verification.SendAsync(command);
        (await verification.ScheduledDelayAsync(2)).ShouldBeInRange(TimeSpan.FromSeconds(58), TimeSpan.FromSeconds(60));
        (await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromMinutes(1))).Context.GetRedeliveryCount().ShouldBe(1);
        (await verification.ScheduledDelayAsync(3)).ShouldBeInRange(TimeSpan.FromSeconds(118), TimeSpan.FromSeconds(120));
        verification.Published<Fault<VerifyPayment>>().ShouldBeEmpty();
        (await verification.AdvanceToDeliveryAsync(3, TimeSpan.FromMinutes(2))).Context.GetRedeliveryCount().ShouldBe(2);

        var fault = await verification.PublishedAsync<Fault<VerifyPayment>>();
        fault.Message.ShouldBe(command);
        fault.Exceptions.ShouldContain(e => e.ExceptionType == typeof(PortalRequestException).FullName);

        // Nothing more is scheduled: time moving on brings no fourth attempt.
        await verification.AdvanceAsync(TimeSpan.FromMinutes(10));
        (await verification.AnyDeliveryBeyondAsync(3)).ShouldBeFalse();
        portal.Calls.ShouldBe(3);
        verification.Published<Fault<VerifyPayment>>().Count.ShouldBe(1);
        verification.Published<PaymentVerified>().ShouldBeEmpty();
        verification.Published<PaymentRejected>().ShouldBeEmpty();

        // A retrying report for each redelivery that followed, none for the last failure: the fault tells the saga instead.
        verification.Published<PaymentVerificationRetrying>().Select(m => (m.Attempt, m.NextAttemptIn))
            .ShouldBe([(1, TimeSpan.FromMinutes(1)), (2, TimeSpan.FromMinutes(2))]);
    }

    private static int? ReadHeader(ConsumeContext context, string header) =>
        context.Headers.TryGetHeader(header, out var value) && value is not null
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
