using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Payments.Contracts;

namespace Payments.IntegrationTests.Api;

/// <summary>The input rules and late submissions on the real stack: what the API refuses never reaches the saga's table.</summary>
public sealed class ApiInputRulesTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private const string Recipient = "0x1111111111111111111111111111111111111111";

    public static TheoryData<string, string> RefusedBodies() => new()
    {
        // PostgreSQL text cannot hold NUL: past the API it would fail the saga's insert rather than answer 400.
        { $$"""{"userId":"user\u0000","amount":"1.5","token":"USDC","recipient":"{{Recipient}}"}""", "userId" },
        { $$"""{"userId":"\ud800","amount":"1.5","token":"USDC","recipient":"{{Recipient}}"}""", "userId" },
        { $$"""{"userId":"u","amount":"1.5","amount":"150","token":"USDC","recipient":"{{Recipient}}"}""", "amount" },
        { $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}","memo":"x"}""", "memo" },
        { """{"userId":"u","amount":"1.5","token":"USDC","recipient":"0x0000000000000000000000000000000000000000"}""", "recipient" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task A_refused_body_stores_no_intent(string body, string field)
    {
        var before = await CountRowsAsync();

        using var refused = await stack.Api.PostAsync("/api/payments", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        // A valid request after it: once its intent is stored, anything the refused one had sent would have been too.
        var reference = await InitiateAsync();

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, problem.ToString());
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        await using var db = stack.Database.CreateDbContext();
        (await db.Payments.CountAsync()).ShouldBe(before + 1);
        (await db.Payments.AsNoTracking().AnyAsync(p => p.Reference == reference)).ShouldBeTrue();
    }

    [Fact]
    public async Task An_expired_intent_read_from_the_database_accepts_a_late_transaction()
    {
        var reference = await InitiateAsync();
        await using (var db = stack.Database.CreateDbContext())
        {
            var row = await db.Payments.SingleAsync(p => p.Reference == reference);
            row.CurrentState = PaymentStatuses.Expired;
            await db.SaveChangesAsync();
        }

        var transactionId = "0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var response = await stack.Api.PostAsJsonAsync($"/api/payments/{reference}/transaction", new { transactionId });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("Verifying");
    }

    private async Task<int> CountRowsAsync()
    {
        await using var db = stack.Database.CreateDbContext();
        return await db.Payments.CountAsync();
    }

    private async Task<string> InitiateAsync()
    {
        using var response = await stack.Api.PostAsJsonAsync("/api/payments",
            new { userId = $"user-{Guid.NewGuid():N}", amount = "1.5", token = "USDC", recipient = Recipient });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("reference").GetString()!;
    }
}
