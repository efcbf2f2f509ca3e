using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Payments;

public sealed class GetPaymentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    // In the order of the HTTP contract (DESIGN.md), which the document keeps.
    private static readonly string[] ContractFields =
    [
        "reference", "userId", "amount", "token", "recipient", "status", "transactionId", "transactionHash",
        "verificationAttempts", "circuitDeferrals", "pendingChecks", "lastError", "reviewReason", "submittedAfterExpiry",
        "createdAt", "updatedAt", "confirmedAt", "expiresAt", "resolution", "resolutionNote", "resolvedAt", "webhook",
    ];

    [Fact]
    public async Task Returns_the_status_document_with_exactly_the_contract_fields_in_order()
    {
        var payment = factory.Reader.Add(PaymentStatuses.Confirmed, "0x" + new string('c', 64), "WLD", "1500000000000000000");
        payment.TransactionHash = "0x" + new string('d', 64);
        payment.VerificationAttempts = 3;
        payment.CircuitDeferrals = 2;
        payment.PendingChecks = 1;
        payment.LastError = "portal 503";
        payment.ConfirmedAt = new DateTimeOffset(2026, 1, 1, 0, 2, 0, TimeSpan.Zero);
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync($"/api/payments/{payment.Reference}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.EnumerateObject().Select(p => p.Name).ShouldBe(ContractFields);
        body.GetProperty("reference").GetString().ShouldBe(payment.Reference);
        body.GetProperty("userId").GetString().ShouldBe("user-1");
        body.GetProperty("amount").GetString().ShouldBe("1.5");
        body.GetProperty("token").GetString().ShouldBe("WLD");
        body.GetProperty("recipient").GetString().ShouldBe(payment.Recipient);
        body.GetProperty("status").GetString().ShouldBe("Confirmed");
        body.GetProperty("transactionId").GetString().ShouldBe(payment.TransactionId);
        body.GetProperty("transactionHash").GetString().ShouldBe(payment.TransactionHash);
        body.GetProperty("verificationAttempts").GetInt32().ShouldBe(3);
        body.GetProperty("circuitDeferrals").GetInt32().ShouldBe(2);
        body.GetProperty("pendingChecks").GetInt32().ShouldBe(1);
        body.GetProperty("lastError").GetString().ShouldBe("portal 503");
        body.GetProperty("reviewReason").ValueKind.ShouldBe(JsonValueKind.Null);
        body.GetProperty("submittedAfterExpiry").GetBoolean().ShouldBeFalse();
        body.GetProperty("createdAt").GetDateTimeOffset().ShouldBe(payment.CreatedAt);
        body.GetProperty("updatedAt").GetDateTimeOffset().ShouldBe(payment.UpdatedAt);
        body.GetProperty("confirmedAt").GetDateTimeOffset().ShouldBe(payment.ConfirmedAt.Value);
        body.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(payment.ExpiresAt);
    }

    [Fact]
    public async Task Returns_nulls_for_what_a_fresh_intent_does_not_have_yet()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction, token: "USDC", amount: "1");
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync($"/api/payments/{payment.Reference}");

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("amount").GetString().ShouldBe("0.000001");
        body.GetProperty("status").GetString().ShouldBe("AwaitingTransaction");
        foreach (var field in new[] { "transactionId", "transactionHash", "lastError", "reviewReason", "confirmedAt" })
        {
            body.GetProperty(field).ValueKind.ShouldBe(JsonValueKind.Null, field);
        }

        body.GetProperty("submittedAfterExpiry").ValueKind.ShouldBe(JsonValueKind.False);
    }

    [Theory]
    [InlineData("underpaid")]
    [InlineData("wrongToken")]
    [InlineData("paidAfterExpiry")]
    public async Task Reports_why_a_payment_waits_for_review(string reason)
    {
        var payment = factory.Reader.Add(PaymentStatuses.NeedsReview, "0x" + new string('e', 64));
        payment.ReviewReason = reason;
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync($"/api/payments/{payment.Reference}");

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("NeedsReview");
        body.GetProperty("reviewReason").GetString().ShouldBe(reason);
    }

    [Fact]
    public async Task Reports_a_transaction_submitted_after_expiry()
    {
        var payment = factory.Reader.Add(PaymentStatuses.Confirmed, "0x" + new string('f', 64));
        payment.SubmittedAfterExpiry = true;
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync($"/api/payments/{payment.Reference}");

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("submittedAfterExpiry").GetBoolean().ShouldBeTrue();
        body.GetProperty("reviewReason").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Answers_404_for_an_unknown_reference()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync($"/api/payments/{Guid.NewGuid():N}");

        await response.ShouldBeProblemAsync(404);
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef")]
    public async Task Rejects_a_malformed_reference_naming_it(string reference)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync($"/api/payments/{reference}");

        await response.ShouldBeProblemAsync(400, "reference");
    }
}
