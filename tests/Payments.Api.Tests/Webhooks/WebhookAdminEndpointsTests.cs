using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit.Testing;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Webhooks;

public sealed class WebhookAdminEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("GET", "/api/admin/webhooks")]
    [InlineData("POST", "/api/admin/webhooks/01a2343d-143f-7aca-b8e9-a7f9df929e45/resend")]
    public async Task Only_the_admin_key_opens_the_routes(string method, string path)
    {
        using var anonymous = factory.CreateClient();
        using var client = factory.CreateAuthorizedClient();
        using var wrong = factory.CreateClient();
        wrong.DefaultRequestHeaders.Add("X-Admin-Key", "not-the-admin-key");

        (await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await wrong.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_list_pages_through_undelivered_events_oldest_first_without_gaps_or_repeats()
    {
        var mine = Enumerable.Range(0, 5).Select(i => factory.WebhookEvents.Add("undelivered", Start.AddYears(-10).AddSeconds(i))).ToList();
        factory.WebhookEvents.Add("delivered", Start.AddYears(-10));
        using var admin = factory.CreateAdminClient();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/webhooks?limit=2{(cursor is null ? "" : $"&after={cursor}")}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("eventId").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        var expected = mine.Select(e => e.Id.ToString()).ToList();
        seen.Where(expected.Contains).ShouldBe(expected);
        seen.Distinct().Count().ShouldBe(seen.Count);
    }

    [Fact]
    public async Task An_item_names_the_client_the_reference_and_where_the_delivery_stands()
    {
        var stored = factory.WebhookEvents.Add("pending", Start.AddYears(-20), clientId: "shop");
        using var admin = factory.CreateAdminClient();

        var page = await admin.GetFromJsonAsync<JsonElement>("/api/admin/webhooks?status=pending&limit=1");

        var item = page.GetProperty("items").EnumerateArray().Single();
        item.EnumerateObject().Select(p => p.Name).ShouldBe(
            ["eventId", "clientId", "reference", "type", "status", "attempts", "createdAt", "lastAttemptAt", "deliveredAt", "lastStatusCode", "lastError"]);
        item.GetProperty("eventId").GetString().ShouldBe(stored.Id.ToString());
        item.GetProperty("clientId").GetString().ShouldBe("shop");
        item.GetProperty("reference").GetString().ShouldBe(stored.PaymentId.ToString("N"));
        item.GetProperty("lastError").GetString().ShouldBe("endpoint answered 503");
    }

    [Theory]
    [InlineData("status=lost", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("after=%21%21", "after")]
    [InlineData("after=bm90LWEtY3Vyc29y", "after")]
    public async Task A_bad_query_is_a_validation_problem_naming_the_parameter(string query, string parameter)
    {
        using var admin = factory.CreateAdminClient();

        using var response = await admin.GetAsync($"/api/admin/webhooks?{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task A_resend_of_a_stored_event_publishes_the_command_and_answers_202()
    {
        var stored = factory.WebhookEvents.Add("undelivered", Start);
        using var admin = factory.CreateAdminClient();

        using var response = await admin.PostAsync($"/api/admin/webhooks/{stored.Id}/resend", content: null);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("eventId").GetString().ShouldBe(stored.Id.ToString());
        body.GetProperty("status").GetString().ShouldBe("accepted");
        (await factory.Harness.Published.Any<ResendWebhook>(x => x.Context.Message.EventId == stored.Id)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("01A2343D-143F-7ACA-B8E9-A7F9DF929E45")]
    [InlineData("01a2343d143f7acab8e9a7f9df929e45")]
    [InlineData("not-an-id")]
    public async Task A_resend_of_a_malformed_id_is_400(string eventId)
    {
        using var admin = factory.CreateAdminClient();

        using var response = await admin.PostAsync($"/api/admin/webhooks/{eventId}/resend", content: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_resend_of_an_unknown_event_is_404_and_publishes_nothing()
    {
        var unknown = Guid.NewGuid();
        using var admin = factory.CreateAdminClient();

        using var response = await admin.PostAsync($"/api/admin/webhooks/{unknown}/resend", content: null);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await factory.Harness.Published.Any<ResendWebhook>(x => x.Context.Message.EventId == unknown)).ShouldBeFalse();
    }
}
