using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.IntegrationTests.Api;

/// <summary>Initiate, pay, submit, poll: the API against the real consumer, RabbitMQ, PostgreSQL and portal simulator.</summary>
public sealed class ApiRoundTripTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private const string Recipient = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_matching_transaction_ends_confirmed()
    {
        var reference = await InitiateAsync("1.5", "USDC");
        var initial = await GetAsync(reference);
        initial.GetProperty("status").GetString().ShouldBe("AwaitingTransaction");
        initial.GetProperty("amount").GetString().ShouldBe("1.5");
        initial.GetProperty("recipient").GetString().ShouldBe(Recipient.ToLowerInvariant());
        var transactionId = NewTransactionId();
        await RegisterAsync(transactionId, reference, "USDC", "1500000");

        using (var submitted = await SubmitAsync(reference, transactionId))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var final = await PollUntilFinalAsync(reference);
        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        final.GetProperty("transactionId").GetString().ShouldBe(transactionId);
        final.GetProperty("transactionHash").GetString().ShouldNotBeNullOrEmpty();
        final.GetProperty("confirmedAt").ValueKind.ShouldBe(JsonValueKind.String);
        final.GetProperty("amount").GetString().ShouldBe("1.5");
        final.GetProperty("token").GetString().ShouldBe("USDC");

        // Final now: the same transaction again is a conflict, read from the real row.
        using var again = await SubmitAsync(reference, transactionId);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_transaction_with_another_amount_ends_failed_with_the_reason()
    {
        var reference = await InitiateAsync("2", "WLD");
        var transactionId = NewTransactionId();
        await RegisterAsync(transactionId, reference, "WLD", "1000000000000000000");

        using (var submitted = await SubmitAsync(reference, transactionId))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var final = await PollUntilFinalAsync(reference);
        final.GetProperty("status").GetString().ShouldBe("Failed", final.ToString());
        var lastError = final.GetProperty("lastError").GetString();
        lastError.ShouldNotBeNull();
        lastError.ShouldContain("amount");
        lastError.ShouldContain("2000000000000000000");
    }

    [Fact]
    public async Task While_verifying_the_same_transaction_is_accepted_again_and_another_is_refused()
    {
        var reference = await InitiateAsync("0.25", "USDC");
        var transactionId = NewTransactionId();
        await RegisterAsync(transactionId, reference, "USDC", "250000", pendingPolls: 1000);
        using (var submitted = await SubmitAsync(reference, transactionId))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var verifying = await PollUntilAsync(reference, d => d.GetProperty("status").GetString() == "Verifying");
        verifying.GetProperty("transactionId").GetString().ShouldBe(transactionId);

        using (var again = await SubmitAsync(reference, transactionId))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        using (var other = await SubmitAsync(reference, NewTransactionId()))
        {
            other.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        }

        // The portal keeps answering "pending": the intent stays in verification, counting its checks.
        var checking = await PollUntilAsync(reference, d => d.GetProperty("pendingChecks").GetInt32() >= 1);
        checking.GetProperty("status").GetString().ShouldBe("Verifying");
        checking.GetProperty("transactionId").GetString().ShouldBe(transactionId);
    }

    [Fact]
    public async Task An_unknown_reference_is_404_from_the_real_database()
    {
        using var response = await stack.Api.GetAsync($"/api/payments/{Guid.NewGuid():N}");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<string> InitiateAsync(string amount, string token)
    {
        using var response = await stack.Api.PostAsJsonAsync("/api/payments",
            new { userId = $"user-{Guid.NewGuid():N}", amount, token, recipient = Recipient });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("reference").GetString()!;
    }

    private async Task RegisterAsync(string transactionId, string reference, string token, string tokenAmount, int pendingPolls = 0)
    {
        using var response = await stack.Simulator.PostAsJsonAsync("/_sim/transactions", new
        {
            transactionId,
            reference,
            to = Recipient.ToLowerInvariant(),
            token,
            tokenAmount,
            finalStatus = "mined",
            pendingPolls,
            hashMissingPolls = 0,
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> SubmitAsync(string reference, string transactionId) =>
        stack.Api.PostAsJsonAsync($"/api/payments/{reference}/transaction", new { transactionId });

    private async Task<JsonElement> GetAsync(string reference)
    {
        using var response = await stack.Api.GetAsync($"/api/payments/{reference}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<JsonElement> PollUntilFinalAsync(string reference) =>
        PollUntilAsync(reference, d => d.GetProperty("status").GetString() is "Confirmed" or "Failed" or "Expired" or "NeedsReview");

    /// <summary>Polls the status document until it satisfies <paramref name="condition"/> or the deadline passes.</summary>
    private async Task<JsonElement> PollUntilAsync(string reference, Func<JsonElement, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        while (true)
        {
            var document = await GetAsync(reference);
            if (condition(document))
            {
                return document;
            }

            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"still {document} after {Deadline}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static string NewTransactionId() =>
        "0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
}
