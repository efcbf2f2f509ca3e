using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.IntegrationTests.Api;

namespace Payments.IntegrationTests.Webhooks;

/// <summary>An event that outlives its retry budget is kept as undelivered, listed for operators, and re-sent by one.</summary>
public sealed class WebhookBudgetTests(WebhookBudgetStackFixture stack) : IClassFixture<WebhookBudgetStackFixture>
{
    private readonly StackClient _shop = new(stack);
    private readonly WebhookReceiver _receiver = new(stack);

    [Fact]
    public async Task An_event_past_its_budget_is_undelivered_listed_and_delivered_when_an_operator_resends_it()
    {
        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "fail", status: 503);
        var reference = (await _shop.PayAsync("1", "USDC", "1000000")).GetProperty("reference").GetString()!;

        var undelivered = await _shop.PollUntilAsync(reference, d => WebhookDeliveryTests.WebhookStatus(d) == "undelivered");
        var webhook = undelivered.GetProperty("webhook");
        var eventId = webhook.GetProperty("eventId").GetString()!;
        webhook.GetProperty("lastStatusCode").GetInt32().ShouldBe(503);
        var attempts = webhook.GetProperty("attempts").GetInt32();
        attempts.ShouldBeGreaterThanOrEqualTo(2);

        using var admin = stack.CreateAdminClient();
        var page = await admin.GetFromJsonAsync<JsonElement>("/api/admin/webhooks?status=undelivered&limit=200");
        var listed = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("eventId").GetString() == eventId);
        listed.GetProperty("reference").GetString().ShouldBe(reference);
        listed.GetProperty("clientId").GetString().ShouldBe("default");
        listed.GetProperty("attempts").GetInt32().ShouldBe(attempts);

        await _receiver.SetFaultAsync(WebhookStackFixture.ShopEndpoint, "none");
        using var resend = await admin.PostAsync($"/api/admin/webhooks/{eventId}/resend", content: null);
        resend.StatusCode.ShouldBe(HttpStatusCode.Accepted, await resend.Content.ReadAsStringAsync());

        var delivered = await _shop.PollUntilAsync(reference, d => WebhookDeliveryTests.WebhookStatus(d) == "delivered");
        delivered.GetProperty("webhook").GetProperty("eventId").GetString().ShouldBe(eventId);
        delivered.GetProperty("webhook").GetProperty("attempts").GetInt32().ShouldBe(attempts + 1);
        var after = await admin.GetFromJsonAsync<JsonElement>("/api/admin/webhooks?status=undelivered&limit=200");
        after.GetProperty("items").EnumerateArray().ShouldNotContain(i => i.GetProperty("eventId").GetString() == eventId);
    }

    [Fact]
    public async Task A_resend_of_an_unknown_event_is_404_and_of_a_malformed_id_400()
    {
        using var admin = stack.CreateAdminClient();

        using var unknown = await admin.PostAsync($"/api/admin/webhooks/{Guid.NewGuid()}/resend", content: null);
        using var malformed = await admin.PostAsync("/api/admin/webhooks/not-an-id/resend", content: null);

        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
