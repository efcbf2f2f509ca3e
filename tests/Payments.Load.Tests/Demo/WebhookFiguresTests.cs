using Payments.Load.Clients;
using Payments.Load.Demo;

namespace Payments.Load.Tests.Demo;

public sealed class WebhookFiguresTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    // The endpoint failed from 70 s to 85 s.
    private static readonly EndpointOutage Outage = new(At(70), At(85), 503);

    [Fact]
    public void Counts_the_events_of_settled_payments_and_leaves_out_payments_without_one()
    {
        var figures = WebhookFigures.From(
            [Delivered("a", at: 10, deliveredAt: 10.1), Delivered("b", at: 20, deliveredAt: 20.2), Payment("c", "Confirmed", 30, webhook: null)],
            Receiver(), Outage, []);

        figures.Expected.ShouldBe(2);
        figures.Delivered.ShouldBe(2);
        figures.Attempts.ShouldBe(2);
        figures.Failed.ShouldBeFalse();
        figures.Lines("demo", "Webhooks.default").ShouldContain("  webhook events delivered: 2 / 2");
        figures.Lines("demo", "Webhooks.default")[^1].ShouldBe("  every settled payment's webhook event was delivered, none with an invalid signature.");
    }

    [Fact]
    public void Fails_when_an_event_is_still_pending_or_undelivered_and_names_it()
    {
        var pending = Payment("p", "Confirmed", 80, Webhook("pending", attempts: 3, deliveredAt: null, lastError: "endpoint answered 503"));
        var undelivered = Payment("u", "Failed", 81, Webhook("undelivered", attempts: 9, deliveredAt: null, lastError: "endpoint answered 503"));

        var figures = WebhookFigures.From([Delivered("a", at: 10, deliveredAt: 10.1), pending, undelivered], Receiver(), Outage, []);

        figures.Failed.ShouldBeTrue();
        figures.Delivered.ShouldBe(1);
        figures.NotDelivered.Select(p => p.Reference).ShouldBe(["p", "u"]);
        var lines = figures.Lines("demo", "Webhooks.default");
        lines.ShouldContain("  webhook events delivered: 1 / 3");
        lines.ShouldContain(l => l.StartsWith("  NOT DELIVERED: payment.confirmed event", StringComparison.Ordinal)
            && l.Contains("of Confirmed payment p is pending after 3 attempt(s), last error: endpoint answered 503", StringComparison.Ordinal));
        lines[^1].ShouldBe("  2 webhook event(s) not delivered, 0 delivery(ies) with an invalid signature.");
    }

    [Fact]
    public void Fails_on_an_invalid_signature_even_when_every_event_was_delivered()
    {
        var figures = WebhookFigures.From([Delivered("a", at: 10, deliveredAt: 10.1)], Receiver(invalidSignatures: 1), Outage, []);

        figures.Delivered.ShouldBe(figures.Expected);
        figures.Failed.ShouldBeTrue();
        figures.Lines("demo", "Webhooks.default")[^1].ShouldBe("  0 webhook event(s) not delivered, 1 delivery(ies) with an invalid signature.");
    }

    [Fact]
    public void An_event_is_delayed_by_the_outage_when_it_took_retries_or_waited_for_the_breaker_to_close_again()
    {
        // The breaker opened during the outage and closed again at 88 s, three seconds after the endpoint came back.
        IReadOnlyList<BreakerTransition> transitions =
        [
            new(At(71), "CLOSED", "OPEN"), new(At(76), "OPEN", "HALF_OPEN"), new(At(76.1), "HALF_OPEN", "OPEN"),
            new(At(88), "OPEN", "HALF_OPEN"), new(At(88.05), "HALF_OPEN", "CLOSED"),
        ];
        var figures = WebhookFigures.From(
            [
                Delivered("before", at: 60, deliveredAt: 60.1),
                Delivered("retried", at: 70.5, deliveredAt: 89, attempts: 4),
                Delivered("held-during", at: 77, deliveredAt: 88.5),
                Delivered("held-after", at: 86, deliveredAt: 88.6),
                Delivered("after", at: 90, deliveredAt: 90.1),
            ],
            Receiver(), Outage, transitions);

        figures.Retried.ShouldBe(1);
        figures.HeldByBreaker.ShouldBe(2);
        figures.LongestDelay.ShouldBe(TimeSpan.FromSeconds(18.5));
        figures.Attempts.ShouldBe(8);
        figures.Lines("demo", "Webhooks.default").ShouldContain(
            "  events delayed by the endpoint outage (503 for 15 s): 3 (1 delivered after more than one attempt, 2 at their first after waiting for the breaker); longest from event to delivery 18.5 s");
    }

    [Fact]
    public void Without_a_transition_to_closed_the_wait_ends_when_the_endpoint_is_back()
    {
        var figures = WebhookFigures.From(
            [Delivered("during", at: 80, deliveredAt: 85.5), Delivered("after", at: 86, deliveredAt: 86.2)], Receiver(), Outage, []);

        figures.HeldByBreaker.ShouldBe(1);
        figures.LongestDelay.ShouldBe(TimeSpan.FromSeconds(5.5));
    }

    [Fact]
    public void Without_an_outage_nothing_counts_as_delayed_but_retries_and_no_outage_line_is_written()
    {
        var figures = WebhookFigures.From(
            [Delivered("a", at: 10, deliveredAt: 30), Delivered("b", at: 10, deliveredAt: 14, attempts: 2)], Receiver(), outage: null, []);

        figures.HeldByBreaker.ShouldBe(0);
        figures.Retried.ShouldBe(1);
        figures.LongestDelay.ShouldBe(TimeSpan.FromSeconds(4));
        figures.Lines("demo", "Webhooks.default").ShouldNotContain(l => l.Contains("endpoint outage", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_an_event_accepted_twice_is_a_real_duplicate_not_the_retry_of_a_refused_delivery()
    {
        var receiver = Receiver(
            duplicates: 3,
            deliveries:
            [
                Received("e1", 503), Received("e1", 200),
                Received("e2", 200), Received("e2", 200),
                Received("e3", 0), Received("e3", 200),
                Received("e4", 200),
            ]);

        var figures = WebhookFigures.From([Delivered("a", at: 10, deliveredAt: 10.1)], receiver, Outage, []);

        figures.AcceptedMoreThanOnce.ShouldBe(1);
        figures.Lines("demo", "Webhooks.default").ShouldContain(
            "  receiver demo: 7 deliveries of 4 events; 3 duplicates (retries of refused deliveries included), 1 accepted more than once; 0 invalid signatures");
    }

    [Fact]
    public void A_delivery_with_an_invalid_signature_is_no_acceptance_of_its_event()
    {
        var receiver = Receiver(invalidSignatures: 1, deliveries: [Received("e1", 200), Received("e1", 200, signatureValid: false)]);

        var figures = WebhookFigures.From([Delivered("a", at: 10, deliveredAt: 10.1)], receiver, Outage, []);

        figures.AcceptedMoreThanOnce.ShouldBe(0);
        figures.Lines("demo", "Webhooks.default").ShouldContain(
            "  receiver demo: 2 deliveries of 1 events; 0 duplicates (retries of refused deliveries included), 0 accepted more than once; 1 invalid signatures");
    }

    [Fact]
    public void Says_when_the_receiver_lists_fewer_deliveries_than_it_received()
    {
        var figures = WebhookFigures.From([], Receiver(received: 1500, deliveries: [Received("e1", 200)]), Outage, []);

        figures.Lines("demo", "Webhooks.default").ShouldContain(l => l.Contains("0 accepted more than once among the last 1; ", StringComparison.Ordinal));
    }

    [Fact]
    public void Writes_the_receivers_answers_next_to_the_attempts()
    {
        var figures = WebhookFigures.From(
            [Delivered("a", at: 71, deliveredAt: 86, attempts: 3)],
            Receiver(byStatus: new Dictionary<string, long> { ["503"] = 2, ["200"] = 1 }), Outage, []);

        figures.Lines("demo", "Webhooks.default").ShouldContain("  webhook attempts in total: 3 (receiver demo answered 200 ×1, 503 ×2)");
    }

    [Fact]
    public void Writes_the_breaker_transitions_in_time_order_as_a_chain()
    {
        var figures = WebhookFigures.From(
            [], Receiver(), Outage,
            [new(At(76), "OPEN", "HALF_OPEN"), new(At(71), "CLOSED", "OPEN"), new(At(76.1), "HALF_OPEN", "CLOSED")]);

        figures.Lines("demo", "Webhooks.default").ShouldContain("  breaker Webhooks.default transitions seen: 3 (CLOSED → OPEN → HALF_OPEN → CLOSED)");
    }

    [Fact]
    public void Writes_transitions_that_do_not_follow_each_other_one_by_one()
    {
        var figures = WebhookFigures.From(
            [], Receiver(), Outage, [new(At(71), "CLOSED", "OPEN"), new(At(80), "HALF_OPEN", "CLOSED")]);

        figures.Lines("demo", "Webhooks.default").ShouldContain("  breaker Webhooks.default transitions seen: 2 (CLOSED → OPEN, HALF_OPEN → CLOSED)");
    }

    [Fact]
    public void Says_so_when_no_settled_payment_has_an_event()
    {
        var figures = WebhookFigures.From([Payment("a", "Confirmed", 10, webhook: null)], Receiver(), Outage, []);

        figures.Expected.ShouldBe(0);
        figures.Failed.ShouldBeFalse();
        var lines = figures.Lines("demo", "Webhooks.default");
        lines.ShouldContain("  webhook events delivered: 0 / 0");
        lines.ShouldContain(l => l.StartsWith("  no settled payment has a webhook event", StringComparison.Ordinal));
        lines.ShouldContain("  breaker Webhooks.default transitions seen: none");
    }

    private static DateTimeOffset At(double seconds) => Start.AddSeconds(seconds);

    private static PaymentStatus Delivered(string reference, double at, double deliveredAt, int attempts = 1) =>
        Payment(reference, "Confirmed", at, Webhook("delivered", attempts, At(deliveredAt)));

    private static WebhookStatus Webhook(string status, int attempts, DateTimeOffset? deliveredAt, string? lastError = null) =>
        new(Guid.NewGuid(), status == "undelivered" ? "payment.failed" : "payment.confirmed", status, attempts, deliveredAt ?? At(100),
            deliveredAt, status == "delivered" ? 200 : 503, lastError);

    private static PaymentStatus Payment(string reference, string status, double updatedAt, WebhookStatus? webhook) =>
        new(reference, status, TransactionId: null, LastError: null, VerificationAttempts: 1, CircuitDeferrals: 0, PendingChecks: 0,
            CreatedAt: Start, UpdatedAt: At(updatedAt), ConfirmedAt: status == "Confirmed" ? At(updatedAt) : null, Webhook: webhook);

    private static WebhookReceiverStats Receiver(
        long? received = null,
        long invalidSignatures = 0,
        long duplicates = 0,
        IReadOnlyDictionary<string, long>? byStatus = null,
        IReadOnlyList<ReceivedWebhook>? deliveries = null)
    {
        deliveries ??= [];
        var unique = deliveries.Where(d => d.SignatureValid).Select(d => d.EventId).Distinct().Count();
        return new WebhookReceiverStats(
            received ?? deliveries.Count, (received ?? deliveries.Count) - invalidSignatures, invalidSignatures, unique, duplicates,
            new Dictionary<string, long>(), byStatus ?? new Dictionary<string, long>(), deliveries);
    }

    private static ReceivedWebhook Received(string eventId, int answeredStatus, bool signatureValid = true) =>
        new(eventId, "payment.confirmed", "ref", Start, signatureValid, answeredStatus);
}
