using System.Text.Json;
using MassTransit;
using Payments.Consumer.Webhooks;
using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

/// <summary>
/// Every final status and every review is recorded as a webhook event for a client with an endpoint: one event per step,
/// carrying the status document as the step left it, and its first delivery command.
/// </summary>
public sealed class PaymentStateMachineWebhookTests : IAsyncLifetime
{
    private const string Hash = "0x2222222222222222222222222222222222222222222222222222222222222222";

    private static readonly Dictionary<string, string?> WithEndpoint = new()
    {
        ["Webhooks:default:Url"] = "http://127.0.0.1:9/hooks",
        ["Webhooks:default:Secret"] = WebhookOptions.DevelopmentSecret,
        ["PaymentSaga:ExpiryAfter"] = "00:01:00",
    };

    private PaymentSagaHarness _saga = null!;

    public async Task InitializeAsync() => _saga = await PaymentSagaHarness.StartAsync(configuration: WithEndpoint);

    public async Task DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task A_confirmation_records_one_confirmed_event_with_the_confirmed_document_and_sends_its_delivery()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();

        await _saga.PublishAndWaitAsync(new PaymentVerified(paymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Confirmed);

        var recorded = _saga.WebhookEvents.Events.ShouldHaveSingleItem();
        recorded.PaymentId.ShouldBe(paymentId);
        recorded.ClientId.ShouldBe(InitiatePayment.DefaultClient);
        recorded.Type.ShouldBe(WebhookEventTypes.Confirmed);
        recorded.Status.ShouldBe("pending");
        recorded.RetryUntil.ShouldBe(recorded.CreatedAt + TimeSpan.FromDays(3));
        using var body = JsonDocument.Parse(recorded.Body);
        body.RootElement.GetProperty("id").GetGuid().ShouldBe(recorded.Id);
        body.RootElement.GetProperty("type").GetString().ShouldBe(WebhookEventTypes.Confirmed);
        body.RootElement.GetProperty("reference").GetString().ShouldBe(paymentId.ToString("N"));
        var payment = body.RootElement.GetProperty("payment");
        payment.GetProperty("status").GetString().ShouldBe(PaymentStatuses.Confirmed);
        payment.GetProperty("transactionHash").GetString().ShouldBe(Hash);
        payment.GetProperty("amount").GetString().ShouldBe("1.5");
        payment.GetProperty("webhook").ValueKind.ShouldBe(JsonValueKind.Null);
        await PaymentSagaHarness.EventuallyAsync(
            () => _saga.Harness.Sent.Select<DeliverWebhook>(x => x.Context.Message.EventId == recorded.Id).Any(),
            "the delivery command was not sent");
        _saga.Harness.Sent.Select<DeliverWebhook>(x => x.Context.Message.EventId == recorded.Id).Single().Context.Message.Dispatch.ShouldBe(0);
    }

    [Fact]
    public async Task A_rejection_records_a_failed_event()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();

        await _saga.PublishAndWaitAsync(new PaymentRejected(paymentId, transactionId, "failed on chain", "failed"));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.Failed);

        _saga.WebhookEvents.Events.ShouldHaveSingleItem().Type.ShouldBe(WebhookEventTypes.Failed);
    }

    [Fact]
    public async Task A_review_records_a_needs_review_event_and_a_second_review_verdict_records_none()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();

        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, ReviewReasons.Underpaid, "underpaid", "mined", Hash));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, ReviewReasons.Underpaid, "underpaid", "mined", Hash));

        var recorded = _saga.WebhookEvents.Events.ShouldHaveSingleItem();
        recorded.Type.ShouldBe(WebhookEventTypes.NeedsReview);
        using var body = JsonDocument.Parse(recorded.Body);
        body.RootElement.GetProperty("payment").GetProperty("reviewReason").GetString().ShouldBe(ReviewReasons.Underpaid);
    }

    [Fact]
    public async Task An_operators_resolution_records_a_resolved_event_with_the_resolution()
    {
        var (paymentId, transactionId) = await _saga.VerifyingAsync();
        await _saga.PublishAndWaitAsync(new PaymentNeedsReview(paymentId, transactionId, ReviewReasons.Overpaid, "overpaid", "mined", Hash));
        await _saga.ShouldBeInAsync(paymentId, _saga.Machine.NeedsReview);

        var client = _saga.Harness.GetRequestClient<ResolvePayment>();
        var answer = await client.GetResponse<PaymentResolved, PaymentResolutionRefused>(
            new ResolvePayment(paymentId, Resolutions.Refunded, "refunded the surplus and the payment"));

        answer.Is(out Response<PaymentResolved>? _).ShouldBeTrue();
        _saga.WebhookEvents.Events.Select(e => e.Type).ShouldBe([WebhookEventTypes.NeedsReview, WebhookEventTypes.Resolved]);
        using var body = JsonDocument.Parse(_saga.WebhookEvents.Events[1].Body);
        var payment = body.RootElement.GetProperty("payment");
        payment.GetProperty("status").GetString().ShouldBe(PaymentStatuses.Refunded);
        payment.GetProperty("resolution").GetString().ShouldBe(Resolutions.Refunded);
        payment.GetProperty("resolutionNote").GetString().ShouldBe("refunded the surplus and the payment");
        payment.GetProperty("reviewReason").GetString().ShouldBe(ReviewReasons.Overpaid);
    }

    [Fact]
    public async Task An_expiry_records_an_expired_event()
    {
        var paymentId = await _saga.InitiatedAsync();

        await _saga.ExpireAsync(paymentId);

        await PaymentSagaHarness.EventuallyAsync(() => _saga.WebhookEvents.Events.Count == 1, "no event was recorded");
        _saga.WebhookEvents.Events[0].Type.ShouldBe(WebhookEventTypes.Expired);
    }

    [Fact]
    public async Task A_client_without_an_endpoint_gets_no_event()
    {
        var command = PaymentSagaHarness.NewIntent() with { ClientId = "no-endpoint" };
        await _saga.InitiateAsync(command);
        var transactionId = PaymentSagaHarness.NewTransactionId();
        await _saga.PublishAndWaitAsync(new PaymentTransactionSubmitted(command.PaymentId, transactionId));

        await _saga.PublishAndWaitAsync(new PaymentVerified(command.PaymentId, transactionId, Hash, "mined", PaymentSagaHarness.Start));
        await _saga.ShouldBeInAsync(command.PaymentId, _saga.Machine.Confirmed);

        _saga.WebhookEvents.Events.ShouldBeEmpty();
        _saga.Harness.Sent.Select<DeliverWebhook>().ShouldBeEmpty();
    }
}
