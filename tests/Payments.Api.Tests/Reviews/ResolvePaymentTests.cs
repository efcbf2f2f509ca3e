using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Payments.Api.Tests.Testing;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Tests.Reviews;

public sealed class ResolvePaymentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Note = "Refund of 0.000001 USDC sent by the support desk.";

    public static TheoryData<string, string> ResolutionsAndStatuses => new()
    {
        { Resolutions.Confirm, PaymentStatuses.Confirmed },
        { Resolutions.Fail, PaymentStatuses.Failed },
        { Resolutions.Refunded, PaymentStatuses.Refunded },
    };

    [Theory]
    [MemberData(nameof(ResolutionsAndStatuses))]
    public async Task Resolves_a_review_and_answers_the_status_document_read_after_the_answer(string resolution, string status)
    {
        var payment = InReview();
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, payment.Reference, new { resolution, note = Note });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("reference").GetString().ShouldBe(payment.Reference);
        body.GetProperty("status").GetString().ShouldBe(status);
        body.GetProperty("resolution").GetString().ShouldBe(resolution);
        body.GetProperty("resolutionNote").GetString().ShouldBe(Note);
        body.GetProperty("resolvedAt").GetDateTimeOffset().ShouldBe(ApiFactory.ResolvedAt);
        body.GetProperty("reviewReason").GetString().ShouldBe(ReviewReasons.Underpaid);
        if (status == PaymentStatuses.Confirmed)
        {
            body.GetProperty("confirmedAt").GetDateTimeOffset().ShouldBe(ApiFactory.ResolvedAt);
        }
        else
        {
            body.GetProperty("confirmedAt").ValueKind.ShouldBe(JsonValueKind.Null);
        }

        var sent = await AskedAsync(payment.CorrelationId);
        sent.ShouldHaveSingleItem().ShouldBe(new ResolvePayment(payment.CorrelationId, resolution, Note));
    }

    [Fact]
    public async Task Resolves_an_intent_of_any_client_and_sends_the_note_trimmed()
    {
        var payment = InReview(ApiFactory.OtherClient);
        using var client = factory.CreateAdminClient();

        using var accepted = await ResolveAsync(client, payment.Reference, new { resolution = "refunded", note = "  \u00a0Refunded on chain.  " });
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("resolutionNote").GetString().ShouldBe("Refunded on chain.");
        (await AskedAsync(payment.CorrelationId)).ShouldHaveSingleItem().Note.ShouldBe("Refunded on chain.");
    }

    [Fact]
    public async Task Accepts_a_note_of_exactly_the_longest_length_after_trimming()
    {
        var payment = InReview();
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, payment.Reference, new { resolution = "fail", note = "  " + new string('n', 1000) + "  " });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Answers_409_with_the_sagas_reason_when_the_saga_refuses()
    {
        var transactionId = "0x" + new string('7', 64);
        var payment = InReview(transactionId: transactionId);
        factory.Reader.Add(PaymentStatuses.Confirmed, transactionId);
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, payment.Reference, new { resolution = "confirm", note = Note });

        var problem = await response.ShouldBeProblemAsync(409);
        problem.GetProperty("detail").GetString().ShouldBe("The transaction already confirmed another payment: this one cannot be confirmed with it.");
        (await AskedAsync(payment.CorrelationId)).ShouldHaveSingleItem();
        payment.CurrentState.ShouldBe(PaymentStatuses.NeedsReview);
    }

    [Theory]
    [InlineData(PaymentStatuses.AwaitingTransaction)]
    [InlineData(PaymentStatuses.Verifying)]
    [InlineData(PaymentStatuses.Confirmed)]
    [InlineData(PaymentStatuses.Failed)]
    [InlineData(PaymentStatuses.Expired)]
    [InlineData(PaymentStatuses.Refunded)]
    public async Task Answers_409_without_asking_the_saga_when_the_payment_is_not_in_review(string status)
    {
        var payment = factory.Reader.Add(status, "0x" + new string('8', 64));
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, payment.Reference, new { resolution = "refunded", note = Note });

        var problem = await response.ShouldBeProblemAsync(409);
        problem.GetProperty("detail").GetString().ShouldBe($"The payment is {status}: only a NeedsReview payment can be resolved.");
        // Had the API asked, the command would have been published before the answer.
        (await AskedAsync(payment.CorrelationId, expectAny: false)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Refuses_a_second_resolution_with_409()
    {
        var payment = InReview();
        using var client = factory.CreateAdminClient();
        using var first = await ResolveAsync(client, payment.Reference, new { resolution = "refunded", note = Note });

        using var second = await ResolveAsync(client, payment.Reference, new { resolution = "confirm", note = "changed my mind" });

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.ShouldBeProblemAsync(409)).GetProperty("detail").GetString().ShouldBe("The payment is Refunded: only a NeedsReview payment can be resolved.");
        payment.Resolution.ShouldBe(Resolutions.Refunded);
        payment.ResolutionNote.ShouldBe(Note);
    }

    [Fact]
    public async Task Answers_404_for_an_unknown_reference_and_asks_nobody()
    {
        var paymentId = Guid.NewGuid();
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, paymentId.ToString("N"), new { resolution = "fail", note = Note });

        await response.ShouldBeProblemAsync(404);
        (await AskedAsync(paymentId, expectAny: false)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef")]
    public async Task Rejects_a_malformed_reference_naming_it(string reference)
    {
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, reference, new { resolution = "fail", note = Note });

        await response.ShouldBeProblemAsync(400, "reference");
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"resolution":"confirm"}""", "note" },
        { """{"resolution":"confirm","note":null}""", "note" },
        { """{"resolution":"confirm","note":"   "}""", "note" },
        { $$"""{"resolution":"confirm","note":"{{new string('n', 1001)}}"}""", "note" },
        { """{"resolution":"confirm","note":"line one\nline two"}""", "note" },
        { """{"resolution":"confirm","note":"tab\tseparated"}""", "note" },
        { """{"resolution":"confirm","note":"half \ud800 a pair"}""", "note" },
        { """{"resolution":"confirm","note":7}""", "note" },
        { """{"note":"why"}""", "resolution" },
        { """{"resolution":"approve","note":"why"}""", "resolution" },
        { """{"resolution":"Confirm","note":"why"}""", "resolution" },
        { """{"resolution":"refund","note":"why"}""", "resolution" },
        { """{"resolution":"fail","note":"why","memo":"x"}""", "memo" },
        { """{"resolution":"fail","note":"why","Note":"again"}""", "note" },
        { """["fail","why"]""", "body" },
        { "", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Rejects_a_bad_body_naming_the_field_and_asks_nobody(string body, string field)
    {
        var payment = InReview();
        using var client = factory.CreateAdminClient();

        using var response = await client.PostAsync(Route(payment.Reference), new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(400, field);
        payment.CurrentState.ShouldBe(PaymentStatuses.NeedsReview);
        (await AskedAsync(payment.CorrelationId, expectAny: false)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Names_every_bad_field_at_once()
    {
        var payment = InReview();
        using var client = factory.CreateAdminClient();

        using var response = await ResolveAsync(client, payment.Reference, new { resolution = "yes", note = "", extra = 1 });

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["resolution", "note", "extra"], ignoreOrder: true);
    }

    [Fact]
    public async Task Answers_413_for_a_body_over_the_limit_and_415_for_another_content_type()
    {
        var payment = InReview();
        using var client = factory.CreateAdminClient();

        using var tooLarge = await client.PostAsync(Route(payment.Reference), new StringContent(new string(' ', 20_000) + "{}", Encoding.UTF8, "application/json"));
        using var notJson = await client.PostAsync(Route(payment.Reference), new StringContent("resolution=fail", Encoding.UTF8, "text/plain"));

        await tooLarge.ShouldBeProblemAsync(413, "body");
        await notJson.ShouldBeProblemAsync(415);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("X-Admin-Key", "wrong-admin-key")]
    [InlineData("X-Admin-Key", ApiFactory.ApiKey)]
    [InlineData("X-Api-Key", ApiFactory.ApiKey)]
    public async Task Answers_401_without_the_admin_key_and_asks_nobody(string? header, string? key)
    {
        var payment = InReview();
        using var client = factory.CreateClient();
        if (header is not null)
        {
            client.DefaultRequestHeaders.Add(header, key);
        }

        using var response = await ResolveAsync(client, payment.Reference, new { resolution = "confirm", note = Note });

        await response.ShouldBeProblemAsync(401);
        payment.CurrentState.ShouldBe(PaymentStatuses.NeedsReview);
        (await AskedAsync(payment.CorrelationId, expectAny: false)).ShouldBeEmpty();
    }

    internal static string Route(string reference) => $"/api/admin/payments/{reference}/resolve";

    internal static Task<HttpResponseMessage> ResolveAsync(HttpClient client, string reference, object body) =>
        client.PostAsJsonAsync(Route(reference), body);

    private PaymentState InReview(string clientId = "default", string? transactionId = null)
    {
        var payment = factory.Reader.Add(PaymentStatuses.NeedsReview, transactionId ?? "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), clientId: clientId);
        payment.ReviewReason = ReviewReasons.Underpaid;
        return payment;
    }

    /// <summary>The resolutions the API asked the saga for about the intent.</summary>
    private async Task<List<ResolvePayment>> AskedAsync(Guid paymentId, bool expectAny = true)
    {
        if (expectAny)
        {
            (await factory.Harness.Published.Any<ResolvePayment>(m => m.Context.Message.PaymentId == paymentId)).ShouldBeTrue();
        }

        return [.. factory.Harness.Published.Select<ResolvePayment>(m => m.Context.Message.PaymentId == paymentId, new CancellationToken(true))
            .Select(m => m.Context.Message)];
    }
}

public sealed class ResolvePaymentTimeoutTests(SilentSagaApiFactory factory) : IClassFixture<SilentSagaApiFactory>
{
    [Fact]
    public async Task Answers_503_with_retry_after_when_the_saga_does_not_answer_in_time()
    {
        var payment = factory.Reader.Add(PaymentStatuses.NeedsReview, "0x" + new string('9', 64));
        using var client = factory.CreateAdminClient();

        using var response = await ResolvePaymentTests.ResolveAsync(client, payment.Reference, new { resolution = "fail", note = "no answer" });

        var problem = await response.ShouldBeProblemAsync(503);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
        problem.GetProperty("detail").GetString()!.ShouldContain("read the payment before retrying");
        // The command did go out: the saga simply never answered it.
        (await factory.Harness.Published.Any<ResolvePayment>(m => m.Context.Message.PaymentId == payment.CorrelationId)).ShouldBeTrue();
    }
}

public sealed class ResolvePaymentFaultTests(FaultingSagaApiFactory factory) : IClassFixture<FaultingSagaApiFactory>
{
    [Fact]
    public async Task Answers_503_with_retry_after_when_the_saga_faults()
    {
        var payment = factory.Reader.Add(PaymentStatuses.NeedsReview, "0x" + new string('9', 64));
        using var client = factory.CreateAdminClient();

        using var response = await ResolvePaymentTests.ResolveAsync(client, payment.Reference, new { resolution = "fail", note = "a fault" });

        var problem = await response.ShouldBeProblemAsync(503);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
        problem.GetProperty("detail").GetString()!.ShouldNotContain("saga store");
    }
}
