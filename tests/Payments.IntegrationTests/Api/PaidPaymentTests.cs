using System.Net;
using System.Text.Json;

namespace Payments.IntegrationTests.Api;

/// <summary>
/// The stack with intervals short enough to watch the rules of paid payments end to end: a 3 s expiry, 1-2 s pending
/// re-checks, a 15 s pending budget.
/// </summary>
public sealed class VerdictStackFixture : ApiStackFixture
{
    protected override IReadOnlyDictionary<string, string?> ConsumerSettings { get; } = new Dictionary<string, string?>
    {
        ["PaymentSaga:ExpiryAfter"] = "00:00:03",
        ["Verification:PendingMinInterval"] = "00:00:01",
        ["Verification:PendingMaxInterval"] = "00:00:02",
        ["Verification:PendingGiveUpAfter"] = "00:00:15",
        ["Verification:NotFoundGrace"] = "00:00:30",
    };
}

/// <summary>
/// Real users and a real portal, through the public HTTP contract on real RabbitMQ, PostgreSQL and the portal simulator:
/// the verdict follows the money, and verification finishes on its own.
/// </summary>
public sealed class PaidPaymentTests(VerdictStackFixture stack) : IClassFixture<VerdictStackFixture>
{
    private readonly StackClient _client = new(stack);

    [Fact]
    public async Task A_transaction_submitted_to_the_wrong_intent_first_still_confirms_the_intent_it_paid()
    {
        var wrong = await _client.InitiateAsync("1", "USDC");
        var right = await _client.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, right, "USDC", "1000000");

        await _client.SubmitAcceptedAsync(wrong, transactionId);
        var failed = await _client.PollUntilFinalAsync(wrong);
        await _client.SubmitAcceptedAsync(right, transactionId);
        var confirmed = await _client.PollUntilFinalAsync(right);

        failed.GetProperty("status").GetString().ShouldBe("Failed", failed.ToString());
        failed.GetProperty("lastError").GetString()!.ShouldStartWith("reference mismatch:");
        confirmed.GetProperty("status").GetString().ShouldBe("Confirmed", confirmed.ToString());
        confirmed.GetProperty("transactionId").GetString().ShouldBe(transactionId);
    }

    [Fact]
    public async Task A_transaction_that_confirmed_one_intent_fails_another_as_already_used()
    {
        var first = await _client.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, first, "USDC", "1000000");
        await _client.SubmitAcceptedAsync(first, transactionId);
        (await _client.PollUntilFinalAsync(first)).GetProperty("status").GetString().ShouldBe("Confirmed");

        var second = await _client.InitiateAsync("1", "USDC");
        await _client.SubmitAcceptedAsync(second, transactionId);
        var failed = await _client.PollUntilFinalAsync(second);

        failed.GetProperty("status").GetString().ShouldBe("Failed", failed.ToString());
        failed.GetProperty("lastError").GetString().ShouldBe("transaction already used");
        (await _client.GetAsync(first)).GetProperty("status").GetString().ShouldBe("Confirmed");
    }

    [Fact]
    public async Task A_transaction_submitted_after_the_intent_expired_is_verified_and_confirmed_as_late()
    {
        var reference = await _client.InitiateAsync("1", "USDC");
        (await _client.PollUntilStatusAsync(reference, "Expired")).GetProperty("submittedAfterExpiry").GetBoolean().ShouldBeFalse();
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1000000");

        await _client.SubmitAcceptedAsync(reference, transactionId);

        // Expired until the saga has taken the submission: wait for the verdict.
        var final = await _client.PollUntilAsync(reference, d => d.GetProperty("status").GetString() is "Confirmed" or "Failed" or "NeedsReview");
        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        final.GetProperty("submittedAfterExpiry").GetBoolean().ShouldBeTrue();
    }

    [Theory]
    [InlineData("USDCE")]
    [InlineData("USDC.e")]
    [InlineData("usdc")]
    public async Task USDC_reported_under_another_MiniKit_spelling_is_confirmed(string token)
    {
        var reference = await _client.InitiateAsync("2.5", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, token, "2500000");

        await _client.SubmitAcceptedAsync(reference, transactionId);

        (await _client.PollUntilFinalAsync(reference)).GetProperty("status").GetString().ShouldBe("Confirmed");
    }

    [Fact]
    public async Task Twenty_resubmissions_of_a_pending_transaction_run_one_chain_of_checks()
    {
        const int PendingPolls = 3;
        var reference = await _client.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1000000", pendingPolls: PendingPolls);

        for (var i = 0; i < 20; i++)
        {
            await _client.SubmitAcceptedAsync(reference, transactionId);
        }

        var final = await _client.PollUntilFinalAsync(reference);

        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        (await _client.PortalRequestsForAsync(transactionId)).ShouldBe(PendingPolls + 1);
        final.GetProperty("pendingChecks").GetInt32().ShouldBe(PendingPolls);
    }

    public static TheoryData<string, string, string, string> Reviews => new()
    {
        { "USDC", "1499999", "underpaid", "underpaid: expected 1500000, got 1499999 (base units)" },
        { "USDC", "1500001", "overpaid", "overpaid: expected 1500000, got 1500001 (base units)" },
        { "WLD", "1500000", "wrongToken", "wrongToken: expected USDC, got WLD" },
    };

    [Theory]
    [MemberData(nameof(Reviews))]
    public async Task Money_that_reached_the_recipient_but_does_not_match_ends_in_review_with_its_reason(
        string token, string tokenAmount, string reviewReason, string lastError)
    {
        var reference = await _client.InitiateAsync("1.5", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, token, tokenAmount);

        await _client.SubmitAcceptedAsync(reference, transactionId);
        var final = await _client.PollUntilFinalAsync(reference);

        final.GetProperty("status").GetString().ShouldBe("NeedsReview", final.ToString());
        final.GetProperty("reviewReason").GetString().ShouldBe(reviewReason);
        final.GetProperty("lastError").GetString().ShouldBe(lastError);
        final.GetProperty("transactionHash").GetString()!.ShouldMatch("^0x[0-9a-f]{64}$");
    }

    [Fact]
    public async Task A_transaction_the_portal_does_not_know_at_first_is_confirmed_once_indexed()
    {
        var reference = await _client.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1000000", extra: new Dictionary<string, object?> { ["notFoundPolls"] = 2 });

        await _client.SubmitAcceptedAsync(reference, transactionId);
        var final = await _client.PollUntilFinalAsync(reference);

        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        final.GetProperty("pendingChecks").GetInt32().ShouldBe(2);
    }

    public static TheoryData<Dictionary<string, object?>, string> NeverFinal => new()
    {
        { new Dictionary<string, object?> { ["transactionHash"] = "0x123" }, "pendingTooLong" },
        { new Dictionary<string, object?> { ["finalStatus"] = "other:reverted" }, "unknownPortalStatus" },
    };

    [Theory]
    [MemberData(nameof(NeverFinal))]
    public async Task A_portal_answer_that_never_becomes_final_ends_in_review_after_the_pending_budget(
        Dictionary<string, object?> answer, string reviewReason)
    {
        var reference = await _client.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1000000", extra: answer);

        await _client.SubmitAcceptedAsync(reference, transactionId);
        var final = await _client.PollUntilFinalAsync(reference);

        final.GetProperty("status").GetString().ShouldBe("NeedsReview", final.ToString());
        final.GetProperty("reviewReason").GetString().ShouldBe(reviewReason);
        final.GetProperty("transactionHash").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_transaction_failed_on_chain_still_ends_failed()
    {
        var reference = await _client.InitiateAsync("1", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1000000", extra: new Dictionary<string, object?> { ["finalStatus"] = "failed" });

        await _client.SubmitAcceptedAsync(reference, transactionId);
        var final = await _client.PollUntilFinalAsync(reference);

        final.GetProperty("status").GetString().ShouldBe("Failed", final.ToString());
        final.GetProperty("lastError").GetString().ShouldBe("transaction failed on chain");
        using var again = await _client.SubmitAsync(reference, transactionId);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}
