using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.IntegrationTests.Api;

/// <summary>
/// Operators settle reviews end to end: an underpaid transaction puts an intent in NeedsReview through the portal simulator,
/// the verifier and the saga; the admin routes list it and resolve it through the saga on real RabbitMQ and PostgreSQL.
/// Every answer is checked against the OpenAPI document.
/// </summary>
public sealed class ReviewTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private const string Note = "Refunded the 1.499999 USDC to the payer by hand.";

    private readonly StackClient _client = new(stack);

    public static TheoryData<string, string> ResolutionsAndStatuses => new()
    {
        { "confirm", "Confirmed" },
        { "fail", "Failed" },
        { "refunded", "Refunded" },
    };

    [Theory]
    [MemberData(nameof(ResolutionsAndStatuses))]
    public async Task A_resolution_settles_the_review_and_the_client_reads_it(string resolution, string status)
    {
        var reference = await UnderpaidReviewAsync();
        using var admin = stack.CreateAdminClient();

        using var response = await ResolveAsync(admin, reference, resolution, "  " + Note + " ");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var resolved = await response.Content.ReadFromJsonAsync<JsonElement>();
        resolved.GetProperty("reference").GetString().ShouldBe(reference);
        resolved.GetProperty("status").GetString().ShouldBe(status);
        resolved.GetProperty("resolution").GetString().ShouldBe(resolution);
        resolved.GetProperty("resolutionNote").GetString().ShouldBe(Note);
        var resolvedAt = resolved.GetProperty("resolvedAt").GetDateTimeOffset();
        resolvedAt.ShouldBeGreaterThan(resolved.GetProperty("createdAt").GetDateTimeOffset());
        resolved.GetProperty("reviewReason").GetString().ShouldBe("underpaid");
        resolved.GetProperty("lastError").GetString().ShouldBe("underpaid: expected 1500000, got 1499999 (base units)");
        if (status == "Confirmed")
        {
            resolved.GetProperty("confirmedAt").GetDateTimeOffset().ShouldBe(resolvedAt);
        }
        else
        {
            resolved.GetProperty("confirmedAt").ValueKind.ShouldBe(JsonValueKind.Null);
        }

        // What the client reads afterwards is what the operator was answered.
        var read = await _client.GetAsync(reference);
        foreach (var field in new[] { "status", "resolution", "resolutionNote", "resolvedAt", "reviewReason", "confirmedAt", "updatedAt" })
        {
            read.GetProperty(field).GetRawText().ShouldBe(resolved.GetProperty(field).GetRawText(), field);
        }
    }

    [Fact]
    public async Task An_intent_of_another_client_is_listed_under_its_client_and_resolved_by_the_operator()
    {
        using var partner = stack.CreateApiClient(ApiStackFixture.PartnerKey);
        var reference = await UnderpaidReviewAsync(partner);
        using var admin = stack.CreateAdminClient();

        var listed = (await ListAllAsync(admin, "/api/admin/payments?limit=200")).Single(i => Reference(i) == reference);
        using var response = await ResolveAsync(admin, reference, "refunded", Note);

        listed.GetProperty("clientId").GetString().ShouldBe(ApiStackFixture.PartnerClient);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var read = await partner.GetFromJsonAsync<JsonElement>($"/api/payments/{reference}");
        read.GetProperty("status").GetString().ShouldBe("Refunded");
    }

    [Fact]
    public async Task A_payment_not_in_review_answers_409_and_stays_as_it_is()
    {
        var waiting = await _client.InitiateAsync("1", "USDC");
        var confirmed = (await _client.PayAsync("1", "USDC", "1000000")).GetProperty("reference").GetString()!;
        using var admin = stack.CreateAdminClient();

        using var onWaiting = await ResolveAsync(admin, waiting, "confirm", Note);
        using var onConfirmed = await ResolveAsync(admin, confirmed, "refunded", Note);

        onWaiting.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Detail(onWaiting)).ShouldBe("The payment is AwaitingTransaction: only a NeedsReview payment can be resolved.");
        onConfirmed.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Detail(onConfirmed)).ShouldBe("The payment is Confirmed: only a NeedsReview payment can be resolved.");
        (await _client.GetAsync(waiting)).GetProperty("status").GetString().ShouldBe("AwaitingTransaction");
        var settled = await _client.GetAsync(confirmed);
        settled.GetProperty("status").GetString().ShouldBe("Confirmed");
        settled.GetProperty("resolution").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_second_resolution_answers_409_and_the_first_one_stays()
    {
        var reference = await UnderpaidReviewAsync();
        using var admin = stack.CreateAdminClient();
        using var first = await ResolveAsync(admin, reference, "fail", Note);

        using var second = await ResolveAsync(admin, reference, "confirm", "second thoughts");

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Detail(second)).ShouldBe("The payment is Failed: only a NeedsReview payment can be resolved.");
        var read = await _client.GetAsync(reference);
        read.GetProperty("resolution").GetString().ShouldBe("fail");
        read.GetProperty("resolutionNote").GetString().ShouldBe(Note);
    }

    [Fact]
    public async Task The_saga_refuses_to_confirm_a_review_whose_transaction_confirmed_another_intent()
    {
        // The transaction first reports the review's reference with too little money; later the portal reports it as the
        // other intent's, paid in full, and confirms that one.
        var review = await _client.InitiateAsync("1.5", "USDC");
        var owner = await _client.InitiateAsync("1.5", "USDC");
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, review, "USDC", "1499999");
        await _client.SubmitAcceptedAsync(review, transactionId);
        (await _client.PollUntilFinalAsync(review)).GetProperty("status").GetString().ShouldBe("NeedsReview");
        await _client.RegisterAsync(transactionId, owner, "USDC", "1500000");
        await _client.SubmitAcceptedAsync(owner, transactionId);
        (await _client.PollUntilFinalAsync(owner)).GetProperty("status").GetString().ShouldBe("Confirmed");
        using var admin = stack.CreateAdminClient();

        using var confirm = await ResolveAsync(admin, review, "confirm", Note);

        confirm.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Detail(confirm)).ShouldBe("The transaction already confirmed another payment: this one cannot be confirmed with it.");
        (await _client.GetAsync(review)).GetProperty("status").GetString().ShouldBe("NeedsReview");
        using var refund = await ResolveAsync(admin, review, "refunded", Note);
        refund.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _client.GetAsync(owner)).GetProperty("status").GetString().ShouldBe("Confirmed");
    }

    [Fact]
    public async Task The_listing_shows_a_review_until_it_is_resolved_and_then_under_its_final_status()
    {
        var reference = await UnderpaidReviewAsync();
        using var admin = stack.CreateAdminClient();

        var before = await ListAllAsync(admin, "/api/admin/payments");
        using var resolved = await ResolveAsync(admin, reference, "refunded", Note);
        var after = await ListAllAsync(admin, "/api/admin/payments?status=NeedsReview");
        var refunded = await ListAllAsync(admin, "/api/admin/payments?status=Refunded");

        var listed = before.Single(i => Reference(i) == reference);
        listed.GetProperty("clientId").GetString().ShouldBe("default");
        listed.GetProperty("payment").GetProperty("status").GetString().ShouldBe("NeedsReview");
        listed.GetProperty("payment").GetProperty("reviewReason").GetString().ShouldBe("underpaid");
        listed.GetProperty("payment").GetProperty("amount").GetString().ShouldBe("1.5");
        resolved.StatusCode.ShouldBe(HttpStatusCode.OK);
        after.ShouldNotContain(i => Reference(i) == reference);
        var settled = refunded.Single(i => Reference(i) == reference);
        settled.GetProperty("payment").GetProperty("resolutionNote").GetString().ShouldBe(Note);
    }

    [Fact]
    public async Task Pages_of_one_list_every_review_once_oldest_first()
    {
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await UnderpaidReviewAsync());
        }

        using var admin = stack.CreateAdminClient();

        var items = await ListAllAsync(admin, "/api/admin/payments?limit=1");

        var references = items.Select(Reference).ToList();
        references.Distinct().Count().ShouldBe(references.Count);
        references.Where(created.Contains).ShouldBe(created);
        var createdAt = items.Select(i => i.GetProperty("payment").GetProperty("createdAt").GetDateTimeOffset()).ToList();
        createdAt.ShouldBe(createdAt.Order());
    }

    [Fact]
    public async Task Malformed_requests_and_an_unknown_reference_are_refused()
    {
        using var admin = stack.CreateAdminClient();

        using var badCursor = await admin.GetAsync("/api/admin/payments?after=not-a-cursor");
        using var badStatus = await admin.GetAsync("/api/admin/payments?status=Pending");
        using var badNote = await ResolveAsync(admin, Guid.NewGuid().ToString("N"), "confirm", "");
        using var unknown = await ResolveAsync(admin, Guid.NewGuid().ToString("N"), "confirm", Note);
        using var withClientKey = await stack.Api.GetAsync("/api/admin/payments");

        badCursor.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        badStatus.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        badNote.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        withClientKey.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>An intent the portal reports underpaid (1.499999 of 1.5 USDC): it waits in NeedsReview.</summary>
    private async Task<string> UnderpaidReviewAsync(HttpClient? api = null)
    {
        api ??= stack.Api;
        using var created = await api.PostAsJsonAsync("/api/payments",
            new { userId = $"user-{Guid.NewGuid():N}", amount = "1.5", token = "USDC", recipient = StackClient.Recipient });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var reference = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString()!;
        var transactionId = StackClient.NewTransactionId();
        await _client.RegisterAsync(transactionId, reference, "USDC", "1499999");
        using var submitted = await api.PostAsJsonAsync($"/api/payments/{reference}/transaction", new { transactionId });
        submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var deadline = DateTimeOffset.UtcNow + StackClient.Deadline;
        while (true)
        {
            var document = await api.GetFromJsonAsync<JsonElement>($"/api/payments/{reference}");
            if (document.GetProperty("status").GetString() == "NeedsReview")
            {
                return reference;
            }

            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"still {document} after {StackClient.Deadline}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static Task<HttpResponseMessage> ResolveAsync(HttpClient admin, string reference, string resolution, string note) =>
        admin.PostAsJsonAsync($"/api/admin/payments/{reference}/resolve", new { resolution, note });

    /// <summary>Every item of the listing, following nextCursor to the last page.</summary>
    private static async Task<List<JsonElement>> ListAllAsync(HttpClient admin, string firstPage)
    {
        var items = new List<JsonElement>();
        var separator = firstPage.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var url = firstPage;
        for (var pages = 0; ; pages++)
        {
            pages.ShouldBeLessThan(500, "the pages never end");
            using var response = await admin.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            items.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.Clone()));
            if (page.GetProperty("nextCursor").GetString() is not { } cursor)
            {
                return items;
            }

            url = $"{firstPage}{separator}after={cursor}";
        }
    }

    private static string Reference(JsonElement item) => item.GetProperty("payment").GetProperty("reference").GetString()!;

    private static async Task<string?> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
}
