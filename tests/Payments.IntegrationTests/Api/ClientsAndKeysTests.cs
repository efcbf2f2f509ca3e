using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Payments.IntegrationTests.Api;

/// <summary>Clients, ownership and idempotent initiation through the real stack: RabbitMQ, PostgreSQL, saga and API.</summary>
public sealed class ClientsAndKeysTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private readonly StackClient _client = new(stack);

    private static object Body(string userId, string amount = "2") =>
        new { userId, amount, token = "WLD", recipient = StackClient.Recipient };

    [Fact]
    public async Task Another_client_cannot_read_or_submit_to_an_intent_and_the_owner_still_can()
    {
        var reference = await _client.InitiateAsync("1", "WLD");
        using var partner = stack.CreateApiClient(ApiStackFixture.PartnerKey);
        var transactionId = StackClient.NewTransactionId();

        using var read = await partner.GetAsync($"/api/payments/{reference}");
        using var submitted = await partner.PostAsJsonAsync($"/api/payments/{reference}/transaction", new { transactionId });

        read.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        submitted.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _client.GetAsync(reference)).GetProperty("status").GetString().ShouldBe("AwaitingTransaction");
        await using var db = stack.Database.CreateDbContext();
        var row = await db.Payments.AsNoTracking().SingleAsync(p => p.Reference == reference);
        row.ClientId.ShouldBe("default");
        row.TransactionId.ShouldBeNull();
    }

    [Fact]
    public async Task A_partner_intent_is_stored_with_its_client()
    {
        using var partner = stack.CreateApiClient(ApiStackFixture.PartnerKey);

        using var created = await partner.PostAsJsonAsync("/api/payments", Body($"user-{Guid.NewGuid():N}"));

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var reference = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()!;
        await using var db = stack.Database.CreateDbContext();
        (await db.Payments.AsNoTracking().SingleAsync(p => p.Reference == reference)).ClientId.ShouldBe(ApiStackFixture.PartnerClient);
        using var foreign = await stack.Api.GetAsync($"/api/payments/{reference}");
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_repeated_initiation_with_one_key_creates_one_intent_and_replays_its_answer()
    {
        var userId = $"user-{Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();

        using var first = await PostAsync(stack.Api, key, Body(userId));
        using var again = await PostAsync(stack.Api, key, Body(userId));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        // The replay is the first answer, to the character (the deadline included, read back from PostgreSQL).
        (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        again.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await CountIntentsAsync(userId)).ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_first_requests_with_one_key_create_one_intent()
    {
        var userId = $"user-{Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(stack.Api, key, Body(userId))));

        try
        {
            responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);
            var references = await Task.WhenAll(responses.Select(ReferenceOf));
            references.Distinct().Count().ShouldBe(1);
            (await CountIntentsAsync(userId)).ShouldBe(1);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_key_holds_across_api_instances_and_restarts_and_another_body_answers_422()
    {
        var userId = $"user-{Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        using var first = await PostAsync(stack.Api, key, Body(userId));
        using var secondInstance = stack.StartAnotherApi();

        using var replay = await PostAsync(secondInstance, key, Body(userId));
        using var conflict = await PostAsync(secondInstance, key, Body(userId, amount: "3"));

        (await ReferenceOf(replay)).ShouldBe(await ReferenceOf(first));
        conflict.StatusCode.ShouldBe((HttpStatusCode)422);
        conflict.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await CountIntentsAsync(userId)).ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_from_another_client_is_another_key()
    {
        var key = Guid.NewGuid().ToString();
        using var partner = stack.CreateApiClient(ApiStackFixture.PartnerKey);

        using var mine = await PostAsync(stack.Api, key, Body($"user-{Guid.NewGuid():N}"));
        using var theirs = await PostAsync(partner, key, Body($"user-{Guid.NewGuid():N}"));

        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await ReferenceOf(theirs)).ShouldNotBe(await ReferenceOf(mine));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private static async Task<string> ReferenceOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()!;

    private async Task<int> CountIntentsAsync(string userId)
    {
        await using var db = stack.Database.CreateDbContext();
        return await db.Payments.AsNoTracking().CountAsync(p => p.UserId == userId);
    }
}
