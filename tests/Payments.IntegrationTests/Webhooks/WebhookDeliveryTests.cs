using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Api;
using Xunit.Abstractions;

namespace Payments.IntegrationTests.Webhooks;

/// <summary>
/// Webhook delivery end to end on real RabbitMQ, PostgreSQL and HTTP: the saga stores the event with the status, the
/// consumer POSTs it signed to the simulator's receiver, and retries, breakers and the sweeper keep it from being lost.
/// </summary>
public sealed class WebhookDeliveryTests : IClassFixture<WebhookStackFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebhookStackFixture _stack;
    private readonly ITestOutputHelper _output;
    private readonly StackClient _shop;
    private readonly StackClient _partner;
    private readonly WebhookReceiver _receiver;

    public WebhookDeliveryTests(WebhookStackFixture stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
        _shop = new StackClient(stack);
        _partner = new StackClient(stack, stack.CreateApiClient(ApiStackFixture.PartnerKey));
        _receiver = new WebhookReceiver(stack);
    }

    public async Task InitializeAsync()
    {
        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "none");
        await _receiver.SetFaultAsync(WebhookStackFixture.PartnerEndpoint, "none");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_confirmed_payment_is_pushed_signed_and_its_status_document_shows_the_delivery()
    {
        var confirmed = await _shop.PayAsync("1.5", "USDC", "1500000");
        var reference = confirmed.GetProperty("reference").GetString()!;

        var document = await _shop.PollUntilAsync(reference, d => WebhookStatus(d) == "delivered");
        var deliveries = await _receiver.WaitForDeliveriesAsync(WebhookStackFixture.ShopEndpoint, reference, 1);

        var webhook = document.GetProperty("webhook");
        webhook.GetProperty("type").GetString().ShouldBe(WebhookEventTypes.Confirmed);
        webhook.GetProperty("attempts").GetInt32().ShouldBe(1);
        webhook.GetProperty("lastStatusCode").GetInt32().ShouldBe(200);
        webhook.GetProperty("deliveredAt").ValueKind.ShouldBe(JsonValueKind.String);
        var delivery = deliveries.ShouldHaveSingleItem();
        delivery.SignatureValid.ShouldBeTrue();
        delivery.EventId.ShouldBe(webhook.GetProperty("eventId").GetString());

        // The documented check, run on what really arrived: it accepts the delivery and refuses any change to it.
        DocumentedSignatureCheck.Verify(delivery.Signature!, delivery.Body, WebhookStackFixture.ShopSecret, DateTimeOffset.UtcNow, Tolerance).ShouldBeTrue();
        DocumentedSignatureCheck.Verify(delivery.Signature!, delivery.Body.Replace("Confirmed", "Confirmes", StringComparison.Ordinal),
            WebhookStackFixture.ShopSecret, DateTimeOffset.UtcNow, Tolerance).ShouldBeFalse();
        DocumentedSignatureCheck.Verify(delivery.Signature!, delivery.Body, WebhookStackFixture.PartnerNewSecret, DateTimeOffset.UtcNow, Tolerance).ShouldBeFalse();

        using var body = JsonDocument.Parse(delivery.Body);
        var root = body.RootElement;
        root.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "type", "createdAt", "reference", "payment"]);
        root.GetProperty("id").GetString().ShouldBe(delivery.EventId);
        root.GetProperty("type").GetString().ShouldBe(WebhookEventTypes.Confirmed);
        root.GetProperty("reference").GetString().ShouldBe(reference);
        var payment = root.GetProperty("payment");
        payment.GetProperty("status").GetString().ShouldBe(PaymentStatuses.Confirmed);
        payment.GetProperty("amount").GetString().ShouldBe("1.5");
        payment.GetProperty("transactionId").GetString().ShouldBe(confirmed.GetProperty("transactionId").GetString());
        payment.GetProperty("webhook").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task The_first_attempt_is_made_by_the_consumer_after_the_commit_with_no_command_through_the_broker()
    {
        var sent = new SentMessages();
        using var observing = _stack.ConsumerServices.GetRequiredService<IBus>().ConnectSendObserver(sent);

        var reference = (await _shop.PayAsync("2.5", "USDC", "2500000")).GetProperty("reference").GetString()!;
        var document = await _shop.PollUntilAsync(reference, d => WebhookStatus(d) == "delivered");

        var eventId = Guid.Parse(document.GetProperty("webhook").GetProperty("eventId").GetString()!);
        document.GetProperty("webhook").GetProperty("attempts").GetInt32().ShouldBe(1);
        // The observer sees what the saga sends from its consume context: the verification command of this payment.
        sent.Of<VerifyPayment>().ShouldContain(m => m.Reference == reference);
        sent.Of<DeliverWebhook>().ShouldNotContain(m => m.EventId == eventId);
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_with_doubling_delays_and_the_same_event_until_it_answers()
    {
        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "fail", status: 500);
        var reference = (await _shop.PayAsync("2", "USDC", "2000000")).GetProperty("reference").GetString()!;

        var failed = await _receiver.WaitForDeliveriesAsync(WebhookStackFixture.ShopEndpoint, reference, 4);
        var pending = await _shop.GetAsync(reference);
        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "none");
        var delivered = await _shop.PollUntilAsync(reference, d => WebhookStatus(d) == "delivered");

        var gaps = failed.Zip(failed.Skip(1), (a, b) => (b.ReceivedAt - a.ReceivedAt).TotalSeconds).ToList();
        _output.WriteLine($"gaps between attempts: {string.Join(", ", gaps.Select(g => $"{g:F1} s"))}");
        // 1 s, 2 s, 4 s through the broker's delay levels (whole seconds, so each may be up to a second longer).
        gaps[0].ShouldBeGreaterThanOrEqualTo(0.9);
        gaps[1].ShouldBeGreaterThanOrEqualTo(1.9);
        gaps[2].ShouldBeGreaterThanOrEqualTo(3.9);
        gaps[2].ShouldBeGreaterThan(gaps[0]);
        failed.Select(d => d.EventId).Distinct().ShouldHaveSingleItem();
        failed.ShouldAllBe(d => d.AnsweredStatus == 500 && d.SignatureValid);

        var webhook = pending.GetProperty("webhook");
        webhook.GetProperty("status").GetString().ShouldBe("pending");
        webhook.GetProperty("attempts").GetInt32().ShouldBeGreaterThanOrEqualTo(4);
        webhook.GetProperty("lastStatusCode").GetInt32().ShouldBe(500);
        webhook.GetProperty("lastError").GetString().ShouldBe("endpoint answered 500");
        delivered.GetProperty("webhook").GetProperty("eventId").GetString().ShouldBe(failed[0].EventId);
        delivered.GetProperty("webhook").GetProperty("lastError").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_hanging_endpoint_opens_its_own_breaker_while_the_other_client_is_delivered_on_time_and_nothing_is_lost()
    {
        await _receiver.SetFaultAsync(WebhookStackFixture.PartnerEndpoint, "hang", delayMs: 60_000);
        var outage = Stopwatch.StartNew();
        var partnerPayments = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _partner.PayAsync("1", "USDC", "1000000")));
        var shopPayments = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _shop.PayAsync("1", "USDC", "1000000")));

        // The healthy client: every event delivered within seconds of its payment's confirmation, on the first attempt.
        var shopDelays = new List<double>();
        foreach (var payment in shopPayments)
        {
            var document = await _shop.PollUntilAsync(payment.GetProperty("reference").GetString()!, d => WebhookStatus(d) == "delivered");
            var webhook = document.GetProperty("webhook");
            webhook.GetProperty("attempts").GetInt32().ShouldBe(1);
            shopDelays.Add((webhook.GetProperty("deliveredAt").GetDateTimeOffset() - document.GetProperty("confirmedAt").GetDateTimeOffset()).TotalSeconds);
        }

        var open = await WaitForBreakerAsync($"Webhooks.{ApiStackFixture.PartnerClient}", "OPEN");
        var attemptsWhileDown = await PartnerAttemptsAsync(partnerPayments);
        await _receiver.SetFaultAsync(WebhookStackFixture.PartnerEndpoint, "none");

        var partnerDelays = new List<double>();
        foreach (var payment in partnerPayments)
        {
            var document = await _partner.PollUntilAsync(payment.GetProperty("reference").GetString()!, d => WebhookStatus(d) == "delivered");
            partnerDelays.Add((document.GetProperty("webhook").GetProperty("deliveredAt").GetDateTimeOffset()
                - document.GetProperty("confirmedAt").GetDateTimeOffset()).TotalSeconds);
        }

        _output.WriteLine(
            $"outage {outage.Elapsed.TotalSeconds:F1} s; healthy client: {shopDelays.Count} events, slowest {shopDelays.Max():F2} s after confirmation; " +
            $"hanging client: {partnerDelays.Count} events, {attemptsWhileDown} POSTs while down, delivered {partnerDelays.Min():F1}-{partnerDelays.Max():F1} s after confirmation; breaker {open}");
        shopDelays.ShouldAllBe(delay => delay < 3);
        // Opened by the failure threshold (5) plus what was in flight (4 slots), then one probe per open window.
        attemptsWhileDown.ShouldBeLessThan(8 + 5 + 4);
        partnerDelays.Count.ShouldBe(8);
    }

    [Fact]
    public async Task A_review_and_the_operators_resolution_are_each_pushed_with_the_document_of_their_moment()
    {
        var reference = await _shop.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _shop.RegisterAsync(transactionId, reference, "USDC", "999999");
        await _shop.SubmitAcceptedAsync(reference, transactionId);
        await _shop.PollUntilAsync(reference, d => d.GetProperty("status").GetString() == PaymentStatuses.NeedsReview && WebhookStatus(d) == "delivered");

        using var admin = _stack.CreateAdminClient();
        using var resolved = await admin.PostAsJsonAsync($"/api/admin/payments/{reference}/resolve", new { resolution = "refunded", note = "refunded the 0.999999 USDC" });
        resolved.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await resolved.Content.ReadAsStringAsync());
        await _shop.PollUntilAsync(reference, d => d.GetProperty("webhook").GetProperty("type").GetString() == WebhookEventTypes.Resolved && WebhookStatus(d) == "delivered");

        var deliveries = await _receiver.WaitForDeliveriesAsync(WebhookStackFixture.ShopEndpoint, reference, 2);
        deliveries.Select(d => d.Type).ShouldBe([WebhookEventTypes.NeedsReview, WebhookEventTypes.Resolved]);
        deliveries.ShouldAllBe(d => d.SignatureValid);
        using var review = JsonDocument.Parse(deliveries[0].Body);
        review.RootElement.GetProperty("payment").GetProperty("status").GetString().ShouldBe(PaymentStatuses.NeedsReview);
        review.RootElement.GetProperty("payment").GetProperty("reviewReason").GetString().ShouldBe(ReviewReasons.Underpaid);
        using var resolution = JsonDocument.Parse(deliveries[1].Body);
        var payment = resolution.RootElement.GetProperty("payment");
        payment.GetProperty("status").GetString().ShouldBe(PaymentStatuses.Refunded);
        payment.GetProperty("resolution").GetString().ShouldBe(Resolutions.Refunded);
        payment.GetProperty("resolutionNote").GetString().ShouldBe("refunded the 0.999999 USDC");
        payment.GetProperty("reviewReason").GetString().ShouldBe(ReviewReasons.Underpaid);
    }

    [Fact]
    public async Task During_a_rotation_every_secret_signs_and_a_receiver_knowing_either_accepts_the_delivery()
    {
        var reference = (await _partner.PayAsync("3", "USDC", "3000000")).GetProperty("reference").GetString()!;

        var delivery = (await _receiver.WaitForDeliveriesAsync(WebhookStackFixture.PartnerEndpoint, reference, 1)).First();

        delivery.SignatureValid.ShouldBeTrue();
        delivery.Signature!.Split(',').Count(part => part.StartsWith("v1=", StringComparison.Ordinal)).ShouldBe(2);
        DocumentedSignatureCheck.Verify(delivery.Signature, delivery.Body, WebhookStackFixture.PartnerOldSecret, DateTimeOffset.UtcNow, Tolerance).ShouldBeTrue();
        DocumentedSignatureCheck.Verify(delivery.Signature, delivery.Body, WebhookStackFixture.PartnerNewSecret, DateTimeOffset.UtcNow, Tolerance).ShouldBeTrue();
        DocumentedSignatureCheck.Verify(delivery.Signature, delivery.Body, WebhookStackFixture.ShopSecret, DateTimeOffset.UtcNow, Tolerance).ShouldBeFalse();
    }

    [Fact]
    public async Task A_worker_stopped_in_the_middle_of_a_delivery_delivers_the_event_after_it_restarts()
    {
        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "hang", delayMs: 60_000);
        var reference = (await _shop.PayAsync("4", "USDC", "4000000")).GetProperty("reference").GetString()!;
        var first = (await _receiver.WaitForDeliveriesAsync(WebhookStackFixture.ShopEndpoint, reference, 1)).First();

        await _stack.StopConsumerAsync();
        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "none");
        _stack.StartConsumer();

        var document = await _shop.PollUntilAsync(reference, d => WebhookStatus(d) == "delivered");
        document.GetProperty("webhook").GetProperty("eventId").GetString().ShouldBe(first.EventId);
        (await _receiver.DeliveriesAsync(WebhookStackFixture.ShopEndpoint, reference))
            .ShouldContain(d => d.EventId == first.EventId && d.AnsweredStatus == 200 && d.SignatureValid);
    }

    [Fact]
    public async Task An_event_stored_with_its_status_whose_command_was_lost_is_found_by_the_sweeper_and_delivered()
    {
        // A crash between the saga's commit and the outbox's send leaves exactly this: the row, pending and due, and no command.
        var reference = (await _shop.PayAsync("5", "USDC", "5000000")).GetProperty("reference").GetString()!;
        await _shop.PollUntilAsync(reference, d => WebhookStatus(d) == "delivered");
        var contexts = _stack.ConsumerServices.GetRequiredService<IDbContextFactory<PaymentsDbContext>>();
        var eventId = Guid.CreateVersion7();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var original = await db.WebhookEvents.AsNoTracking().SingleAsync(e => e.PaymentId == Guid.ParseExact(reference, "N"));
            db.WebhookEvents.Add(new WebhookEvent
            {
                Id = eventId,
                PaymentId = original.PaymentId,
                ClientId = original.ClientId,
                Type = original.Type,
                Body = original.Body.Replace(original.Id.ToString(), eventId.ToString(), StringComparison.Ordinal),
                CreatedAt = DateTimeOffset.UtcNow,
                NextAttemptAt = DateTimeOffset.UtcNow,
                RetryUntil = DateTimeOffset.UtcNow.AddDays(3),
            });
            await db.SaveChangesAsync();
        }

        var document = await _shop.PollUntilAsync(
            reference, d => d.GetProperty("webhook").GetProperty("eventId").GetString() == eventId.ToString() && WebhookStatus(d) == "delivered");

        document.GetProperty("webhook").GetProperty("attempts").GetInt32().ShouldBe(1);
        (await _receiver.DeliveriesAsync(WebhookStackFixture.ShopEndpoint, reference))
            .ShouldContain(d => d.EventId == eventId.ToString() && d.SignatureValid);
    }

    private async Task<long> PartnerAttemptsAsync(IEnumerable<JsonElement> payments)
    {
        var references = payments.Select(p => p.GetProperty("reference").GetString()).ToHashSet();
        var document = await _stack.Simulator.GetFromJsonAsync<JsonElement>($"/_sim/webhooks/{WebhookStackFixture.PartnerEndpoint}");
        return document.GetProperty("deliveries").EnumerateArray().Count(d => references.Contains(d.GetProperty("reference").GetString()));
    }

    private async Task<string> WaitForBreakerAsync(string name, string state)
    {
        var deadline = DateTimeOffset.UtcNow + StackClient.Deadline;
        while (true)
        {
            var health = await _stack.Api.GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");
            var breaker = health.GetProperty("circuitBreakers").EnumerateArray()
                .FirstOrDefault(b => b.GetProperty("name").GetString() == name);
            if (breaker.ValueKind == JsonValueKind.Object && breaker.GetProperty("state").GetString() == state)
            {
                return $"{name} {state}, {breaker.GetProperty("totalRejected").GetInt64()} rejected";
            }

            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"breaker {name} did not reach {state}: {health}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    internal static string? WebhookStatus(JsonElement document) =>
        document.GetProperty("webhook") is { ValueKind: JsonValueKind.Object } webhook ? webhook.GetProperty("status").GetString() : null;
}

/// <summary>Every message the consumer's bus sent, as sent.</summary>
internal sealed class SentMessages : ISendObserver
{
    private readonly ConcurrentQueue<object> _messages = new();

    public IReadOnlyList<T> Of<T>() => _messages.OfType<T>().ToList();

    public Task PreSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context) where T : class
    {
        _messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
