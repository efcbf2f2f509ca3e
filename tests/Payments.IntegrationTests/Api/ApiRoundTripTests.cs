using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.IntegrationTests.Api;

/// <summary>Initiate, pay, submit, poll: the API against the real consumer, RabbitMQ, PostgreSQL and portal simulator.</summary>
public sealed class ApiRoundTripTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private const string Recipient = StackClient.Recipient;

    private readonly StackClient _client = new(stack);

    [Fact]
    public async Task A_matching_transaction_ends_confirmed()
    {
        var reference = await _client.InitiateAsync("1.5", "USDC");
        var initial = await _client.GetAsync(reference);
        initial.GetProperty("status").GetString().ShouldBe("AwaitingTransaction");
        initial.GetProperty("amount").GetString().ShouldBe("1.5");
        initial.GetProperty("recipient").GetString().ShouldBe(Recipient.ToLowerInvariant());
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1500000");

        using (var submitted = await _client.SubmitAsync(reference, transactionId))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var final = await _client.PollUntilFinalAsync(reference);
        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        final.GetProperty("transactionId").GetString().ShouldBe(transactionId);
        final.GetProperty("transactionHash").GetString().ShouldNotBeNullOrEmpty();
        final.GetProperty("confirmedAt").ValueKind.ShouldBe(JsonValueKind.String);
        final.GetProperty("amount").GetString().ShouldBe("1.5");
        final.GetProperty("token").GetString().ShouldBe("USDC");

        // Final now: the same transaction again is a conflict, read from the real row.
        using var again = await _client.SubmitAsync(reference, transactionId);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_burst_of_initiations_on_an_API_just_started_is_answered_in_full()
    {
        // A request waits for the bus's response endpoint; MassTransit would wait on a blocked thread per request.
        var api = stack.StartAnotherApi();
        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            using var response = await api.PostAsJsonAsync("/api/payments",
                new { userId = $"burst-{i}", amount = "1.25", token = "USDC", recipient = Recipient });
            return response.StatusCode;
        }));

        answers.ShouldAllBe(status => status == HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_transaction_with_a_smaller_amount_to_our_recipient_ends_in_review_as_underpaid()
    {
        var reference = await _client.InitiateAsync("2", "WLD");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "WLD", "1000000000000000000");

        using (var submitted = await _client.SubmitAsync(reference, transactionId))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var final = await _client.PollUntilFinalAsync(reference);
        final.GetProperty("status").GetString().ShouldBe("NeedsReview", final.ToString());
        final.GetProperty("reviewReason").GetString().ShouldBe("underpaid");
        final.GetProperty("lastError").GetString().ShouldBe("underpaid: expected 2000000000000000000, got 1000000000000000000 (base units)");
    }

    [Fact]
    public async Task While_verifying_the_same_transaction_is_accepted_again_and_another_is_refused()
    {
        var reference = await _client.InitiateAsync("0.25", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "250000", pendingPolls: 1000);
        using (var submitted = await _client.SubmitAsync(reference, transactionId))
        {
            submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var verifying = await _client.PollUntilAsync(reference, d => d.GetProperty("status").GetString() == "Verifying");
        verifying.GetProperty("transactionId").GetString().ShouldBe(transactionId);

        using (var again = await _client.SubmitAsync(reference, transactionId))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        using (var other = await _client.SubmitAsync(reference, StackClient.NewTransactionId()))
        {
            other.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        }

        // The portal keeps answering "pending": the intent stays in verification, counting its checks.
        var checking = await _client.PollUntilAsync(reference, d => d.GetProperty("pendingChecks").GetInt32() >= 1);
        checking.GetProperty("status").GetString().ShouldBe("Verifying");
        checking.GetProperty("transactionId").GetString().ShouldBe(transactionId);
    }

    [Fact]
    public async Task An_unknown_reference_is_404_from_the_real_database()
    {
        using var response = await stack.Api.GetAsync($"/api/payments/{Guid.NewGuid():N}");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
