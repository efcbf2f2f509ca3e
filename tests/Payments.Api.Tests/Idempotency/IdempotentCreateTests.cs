using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit.Testing;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Idempotency;

public sealed class IdempotentCreateTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static object Body(string userId, string amount = "1.5") =>
        new { userId, amount, token = "USDC", recipient = "0x1111111111111111111111111111111111111111" };

    [Fact]
    public async Task A_repeat_with_the_same_key_and_body_replays_the_first_answer()
    {
        using var client = factory.CreateAuthorizedClient();
        var key = $"order-{Guid.NewGuid():N}";

        using var first = await PostAsync(client, key, Body("user-idem"));
        using var second = await PostAsync(client, key, Body("user-idem"));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        var reference = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString();
        var replayed = await second.Content.ReadFromJsonAsync<JsonElement>();
        replayed.GetProperty("reference").GetString().ShouldBe(reference);
        replayed.GetProperty("status").GetString().ShouldBe(PaymentStatuses.AwaitingTransaction);
        replayed.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(ApiFactory.ExpiresAt);
        second.Headers.Location!.OriginalString.ShouldBe($"/api/payments/{reference}");
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();

        // The replay came from the intent's stored row: the saga was asked once for this intent.
        var asked = factory.Harness.Published.Select<InitiatePayment>().Count(m => m.Context.Message.PaymentId.ToString("N") == reference);
        asked.ShouldBe(1);
    }

    [Fact]
    public async Task A_repeat_after_the_intent_moved_on_still_replays_the_first_answer()
    {
        using var client = factory.CreateAuthorizedClient();
        var key = $"order-{Guid.NewGuid():N}";
        using var first = await PostAsync(client, key, Body("user-moved-on"));
        var reference = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()!;
        var row = factory.Reader.Rows.Single(r => r.Reference == reference);
        row.CurrentState = PaymentStatuses.Confirmed;
        row.UpdatedAt = row.ExpiresAt.AddMinutes(-1);

        using var second = await PostAsync(client, key, Body("user-moved-on"));

        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        var replayed = await second.Content.ReadFromJsonAsync<JsonElement>();
        replayed.GetProperty("reference").GetString().ShouldBe(reference);
        replayed.GetProperty("status").GetString().ShouldBe(PaymentStatuses.AwaitingTransaction);
        replayed.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(ApiFactory.ExpiresAt);
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
    }

    [Fact]
    public async Task The_same_payment_written_differently_counts_as_the_same_body()
    {
        using var client = factory.CreateAuthorizedClient();
        var key = $"order-{Guid.NewGuid():N}";

        using var first = await PostAsync(client, key, new { userId = "u-norm", amount = "1.5", token = "USDC", recipient = "0x" + new string('a', 40) });
        using var second = await PostAsync(client, key, new { recipient = "0x" + new string('A', 40), token = "usdc", amount = "1.50", userId = "u-norm" });

        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()
            .ShouldBe((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString());
    }

    [Fact]
    public async Task The_same_key_with_another_body_answers_422()
    {
        using var client = factory.CreateAuthorizedClient();
        var key = $"order-{Guid.NewGuid():N}";
        using var first = await PostAsync(client, key, Body("user-a", "1.5"));

        using var second = await PostAsync(client, key, Body("user-a", "2"));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var problem = await second.ShouldBeProblemAsync(422);
        problem.GetProperty("detail").GetString()!.ShouldContain("different request");
    }

    [Fact]
    public async Task Keys_are_per_client()
    {
        var key = $"order-{Guid.NewGuid():N}";
        using var mine = factory.CreateAuthorizedClient();
        using var theirs = factory.CreateAuthorizedClient(ApiFactory.OtherClientKey);

        using var first = await PostAsync(mine, key, Body("user-x"));
        using var second = await PostAsync(theirs, key, Body("user-x", "9"));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()
            .ShouldNotBe((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString());
    }

    [Fact]
    public async Task Without_the_header_every_request_creates_an_intent()
    {
        using var client = factory.CreateAuthorizedClient();

        using var first = await client.PostAsJsonAsync("/api/payments", Body("user-nokey"));
        using var second = await client.PostAsJsonAsync("/api/payments", Body("user-nokey"));

        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()
            .ShouldNotBe((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString());
    }

    [Theory]
    [InlineData("delete\u007f")]
    [InlineData("key with a tab\t")]
    [InlineData("schlüssel")]
    public async Task Refuses_a_key_that_is_not_1_to_255_printable_ascii_characters(string key)
    {
        using var client = factory.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = JsonContent.Create(Body("u")) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(400, "Idempotency-Key");
    }

    [Fact]
    public async Task Refuses_a_key_of_256_characters_and_accepts_one_of_255()
    {
        using var client = factory.CreateAuthorizedClient();

        using var tooLong = await PostAsync(client, new string('k', 256), Body("u-long"));
        using var longest = await PostAsync(client, new string('k', 254) + Guid.NewGuid().ToString("N")[..1], Body("u-long"));

        await tooLong.ShouldBeProblemAsync(400, "Idempotency-Key");
        longest.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Refuses_two_keys_in_one_request()
    {
        using var client = factory.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = JsonContent.Create(Body("u")) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", ["one", "two"]);

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(400, "Idempotency-Key");
    }

    [Fact]
    public async Task An_invalid_body_claims_no_key()
    {
        using var client = factory.CreateAuthorizedClient();
        var claims = factory.Idempotency.Claims;

        using var response = await PostAsync(client, $"k-{Guid.NewGuid():N}", new { userId = "u", amount = "-1", token = "USDC", recipient = "0x1111111111111111111111111111111111111111" });

        await response.ShouldBeProblemAsync(400, "amount");
        factory.Idempotency.Claims.ShouldBe(claims);
    }

    internal static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }
}

public sealed class IdempotentRetryTests(SilentSagaApiFactory factory) : IClassFixture<SilentSagaApiFactory>
{
    [Fact]
    public async Task A_503_with_a_key_says_the_retry_is_safe_and_the_retry_asks_for_the_same_intent()
    {
        using var client = factory.CreateAuthorizedClient();
        var key = $"order-{Guid.NewGuid():N}";
        var body = new { userId = "user-retry", amount = "1", token = "WLD", recipient = "0x1111111111111111111111111111111111111111" };

        using var first = await IdempotentCreateTests.PostAsync(client, key, body);
        using var retry = await IdempotentCreateTests.PostAsync(client, key, body);

        var problem = await first.ShouldBeProblemAsync(503);
        problem.GetProperty("detail").GetString()!.ShouldContain("same Idempotency-Key is safe");
        first.Headers.RetryAfter.ShouldNotBeNull();
        await retry.ShouldBeProblemAsync(503);
        var asked = factory.Harness.Published.Select<InitiatePayment>().Where(m => m.Context.Message.UserId == "user-retry")
            .Select(m => m.Context.Message.PaymentId).ToList();
        asked.Count.ShouldBe(2);
        asked.Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task A_503_without_a_key_recommends_one()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId = "user-nokey-503", amount = "1", token = "WLD", recipient = "0x1111111111111111111111111111111111111111" });

        var problem = await response.ShouldBeProblemAsync(503);
        problem.GetProperty("detail").GetString()!.ShouldContain("send an Idempotency-Key");
    }
}
