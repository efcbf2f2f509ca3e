using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Api.Validation;
using Payments.Api.Tests.Testing;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Tests.Reviews;

/// <summary>Each test has an API of its own: a listing shows every row of its reader.</summary>
public sealed class ListPaymentsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Lists_the_reviews_of_every_client_oldest_first_with_their_client_and_status_document()
    {
        using var factory = new ApiFactory();
        var newer = factory.Reader.Add(PaymentStatuses.NeedsReview, "0x" + new string('1', 64), clientId: ApiFactory.OtherClient, createdAt: T0.AddMinutes(2));
        newer.ReviewReason = ReviewReasons.WrongToken;
        var older = factory.Reader.Add(PaymentStatuses.NeedsReview, "0x" + new string('2', 64), createdAt: T0.AddMinutes(1));
        older.ReviewReason = ReviewReasons.Underpaid;
        factory.Reader.Add(PaymentStatuses.Confirmed, "0x" + new string('3', 64), createdAt: T0);
        factory.Reader.Add(PaymentStatuses.Verifying, "0x" + new string('4', 64), createdAt: T0);
        using var client = factory.CreateAdminClient();

        using var response = await client.GetAsync("/api/admin/payments");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        page.EnumerateObject().Select(p => p.Name).ShouldBe(["items", "nextCursor"]);
        page.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        items.Count.ShouldBe(2);
        items[0].EnumerateObject().Select(p => p.Name).ShouldBe(["clientId", "payment"]);
        items[0].GetProperty("clientId").GetString().ShouldBe("default");
        items[0].GetProperty("payment").GetProperty("reference").GetString().ShouldBe(older.Reference);
        items[0].GetProperty("payment").GetProperty("reviewReason").GetString().ShouldBe(ReviewReasons.Underpaid);
        items[0].GetProperty("payment").GetProperty("amount").GetString().ShouldBe("1.5");
        items[1].GetProperty("clientId").GetString().ShouldBe(ApiFactory.OtherClient);
        items[1].GetProperty("payment").GetProperty("reference").GetString().ShouldBe(newer.Reference);
        items[1].GetProperty("payment").GetProperty("status").GetString().ShouldBe(PaymentStatuses.NeedsReview);
    }

    [Theory]
    [InlineData(PaymentStatuses.Confirmed)]
    [InlineData(PaymentStatuses.Refunded)]
    [InlineData(PaymentStatuses.AwaitingTransaction)]
    public async Task Lists_the_status_asked_for(string status)
    {
        using var factory = new ApiFactory();
        var wanted = factory.Reader.Add(status);
        factory.Reader.Add(PaymentStatuses.NeedsReview);
        factory.Reader.Add(PaymentStatuses.Failed);
        using var client = factory.CreateAdminClient();

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/admin/payments?status={status}");

        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("payment").GetProperty("reference").GetString())
            .ShouldBe([wanted.Reference]);
    }

    [Fact]
    public async Task Answers_an_empty_page_when_nothing_is_in_the_status()
    {
        using var factory = new ApiFactory();
        factory.Reader.Add(PaymentStatuses.Confirmed);
        using var client = factory.CreateAdminClient();

        var page = await client.GetFromJsonAsync<JsonElement>("/api/admin/payments");

        page.GetProperty("items").GetArrayLength().ShouldBe(0);
        page.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);
        factory.Reader.WebhookBatches.ShouldBe(1);
    }

    [Fact]
    public async Task Pages_through_every_review_once_in_creation_then_id_order()
    {
        using var factory = new ApiFactory();
        // Three share a creation time: the id breaks the tie, and a page boundary falls between them.
        var rows = new List<PaymentState>();
        foreach (var minutes in new[] { 5, 1, 3, 3, 3, 0, 8 })
        {
            rows.Add(factory.Reader.Add(PaymentStatuses.NeedsReview, createdAt: T0.AddMinutes(minutes)));
            factory.Reader.Add(PaymentStatuses.Failed, createdAt: T0.AddMinutes(minutes));
        }

        var expected = rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.CorrelationId).Select(r => r.Reference).ToList();
        using var client = factory.CreateAdminClient();

        var (pages, seen) = await ReadAllAsync(client, "/api/admin/payments?limit=3");

        pages.ShouldBe([3, 3, 1]);
        seen.ShouldBe(expected);
    }

    [Fact]
    public async Task A_full_last_page_has_no_next_cursor()
    {
        using var factory = new ApiFactory();
        for (var i = 0; i < 4; i++)
        {
            factory.Reader.Add(PaymentStatuses.NeedsReview, createdAt: T0.AddSeconds(i));
        }

        using var client = factory.CreateAdminClient();

        var (pages, seen) = await ReadAllAsync(client, "/api/admin/payments?status=NeedsReview&limit=2");

        pages.ShouldBe([2, 2]);
        seen.Count.ShouldBe(4);
    }

    [Fact]
    public async Task An_intent_resolved_between_pages_leaves_no_gap_after_the_cursor()
    {
        using var factory = new ApiFactory();
        var rows = Enumerable.Range(0, 5).Select(i => factory.Reader.Add(PaymentStatuses.NeedsReview, createdAt: T0.AddSeconds(i))).ToList();
        using var client = factory.CreateAdminClient();

        var first = await client.GetFromJsonAsync<JsonElement>("/api/admin/payments?limit=2");
        // The first item of the page just read leaves the status, as a resolution would make it.
        rows[0].CurrentState = PaymentStatuses.Refunded;
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/admin/payments?limit=2&after={cursor}");

        References(second).ShouldBe([rows[2].Reference, rows[3].Reference]);
    }

    [Fact]
    public async Task Shows_the_latest_webhook_event_of_each_intent_from_one_read_per_page()
    {
        using var factory = new ApiFactory();
        var notified = factory.Reader.Add(PaymentStatuses.NeedsReview, createdAt: T0);
        var silent = factory.Reader.Add(PaymentStatuses.NeedsReview, createdAt: T0.AddSeconds(1));
        var eventId = Guid.NewGuid();
        factory.Reader.LatestEvents[notified.CorrelationId] = new WebhookEvent
        {
            Id = eventId,
            PaymentId = notified.CorrelationId,
            ClientId = notified.ClientId,
            Type = WebhookEventTypes.NeedsReview,
            Body = "{}",
            CreatedAt = T0,
            Status = WebhookDeliveryStatuses.Undelivered,
            Attempts = 4,
            LastAttemptAt = T0.AddMinutes(1),
            LastStatusCode = 500,
            LastError = "the endpoint answered 500",
        };
        using var client = factory.CreateAdminClient();
        var batchesBefore = factory.Reader.WebhookBatches;

        var page = await client.GetFromJsonAsync<JsonElement>("/api/admin/payments");

        var items = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("payment")).ToList();
        var webhook = items[0].GetProperty("webhook");
        webhook.GetProperty("eventId").GetGuid().ShouldBe(eventId);
        webhook.GetProperty("type").GetString().ShouldBe(WebhookEventTypes.NeedsReview);
        webhook.GetProperty("status").GetString().ShouldBe("undelivered");
        webhook.GetProperty("attempts").GetInt32().ShouldBe(4);
        webhook.GetProperty("lastStatusCode").GetInt32().ShouldBe(500);
        items[1].GetProperty("reference").GetString().ShouldBe(silent.Reference);
        items[1].GetProperty("webhook").ValueKind.ShouldBe(JsonValueKind.Null);
        (factory.Reader.WebhookBatches - batchesBefore).ShouldBe(1);
    }

    [Theory]
    [InlineData("status=Bogus", "status")]
    [InlineData("status=needsreview", "status")]
    [InlineData("status=", "status")]
    [InlineData("status=NeedsReview&status=Confirmed", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=%2B5", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=", "limit")]
    [InlineData("limit=99999999999", "limit")]
    [InlineData("after=", "after")]
    [InlineData("after=not-a-cursor", "after")]
    [InlineData("after=AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D%3D", "after")]
    [InlineData("statuss=NeedsReview", "statuss")]
    [InlineData("cursor=abc", "cursor")]
    public async Task Rejects_a_bad_parameter_naming_it(string query, string parameter)
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateAdminClient();

        using var response = await client.GetAsync($"/api/admin/payments?{query}");

        await response.ShouldBeProblemAsync(400, parameter);
        factory.Reader.Listings.ShouldBe(0);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("X-Admin-Key", "wrong-admin-key")]
    [InlineData("X-Admin-Key", ApiFactory.ApiKey)]
    [InlineData("X-Api-Key", ApiFactory.ApiKey)]
    public async Task Answers_401_without_the_admin_key(string? header, string? key)
    {
        using var factory = new ApiFactory();
        factory.Reader.Add(PaymentStatuses.NeedsReview);
        using var client = factory.CreateClient();
        if (header is not null)
        {
            client.DefaultRequestHeaders.Add(header, key);
        }

        using var response = await client.GetAsync("/api/admin/payments");

        await response.ShouldBeProblemAsync(401);
        factory.Reader.Listings.ShouldBe(0);
    }

    [Fact]
    public async Task Accepts_parameter_names_in_any_case_and_the_largest_limit()
    {
        using var factory = new ApiFactory();
        var row = factory.Reader.Add(PaymentStatuses.Expired);
        using var client = factory.CreateAdminClient();

        using var response = await client.GetAsync("/api/admin/payments?Status=Expired&LIMIT=200");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        References(await response.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe([row.Reference]);
    }

    [Fact]
    public void A_cursor_reads_back_as_the_position_it_was_made_from_and_nothing_else_reads()
    {
        var position = new ListPosition(new DateTimeOffset(2026, 12, 2, 10, 30, 15, TimeSpan.Zero).AddTicks(1230), Guid.CreateVersion7());

        var cursor = PageCursor.Encode(position);

        cursor.Length.ShouldBe(PageCursor.Length);
        cursor.ShouldMatch("^[A-Za-z0-9_-]+$");
        PageCursor.TryDecode(cursor, out var decoded).ShouldBeTrue();
        decoded.ShouldBe(position);
        // The last character carries two bits of the id and four spare ones: one position, one spelling.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var spareBitFlipped = cursor[..^1] + Alphabet[Alphabet.IndexOf(cursor[^1], StringComparison.Ordinal) ^ 1];
        PageCursor.TryDecode(spareBitFlipped, out _).ShouldBeFalse("a spare bit set");
        PageCursor.TryDecode(cursor + "A", out _).ShouldBeFalse();
        PageCursor.TryDecode(cursor[1..], out _).ShouldBeFalse();
        cursor[0].ShouldBe('A', "version 1 leads with six zero bits");
        PageCursor.TryDecode("B" + cursor[1..], out _).ShouldBeFalse("another version");
        PageCursor.TryDecode(cursor[..^2] + "+/", out _).ShouldBeFalse("base64, not base64url");
    }

    private static List<string> References(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("payment").GetProperty("reference").GetString()!)];

    private static async Task<(List<int> Pages, List<string> Seen)> ReadAllAsync(HttpClient client, string firstPage)
    {
        var pages = new List<int>();
        var seen = new List<string>();
        var url = firstPage;
        while (true)
        {
            var page = await client.GetFromJsonAsync<JsonElement>(url);
            var references = References(page);
            pages.Add(references.Count);
            seen.AddRange(references);
            if (page.GetProperty("nextCursor").GetString() is not { } cursor)
            {
                return (pages, seen);
            }

            pages.Count.ShouldBeLessThan(20, "the pages never end");
            url = $"{firstPage}&after={cursor}";
        }
    }
}
