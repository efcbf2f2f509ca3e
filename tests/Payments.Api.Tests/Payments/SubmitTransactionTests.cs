using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit.Testing;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Payments;

public sealed class SubmitTransactionTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string TransactionA = "0x" + new string('a', 64);
    private static readonly string TransactionB = "0x" + new string('b', 64);

    [Fact]
    public async Task Accepts_a_transaction_for_an_intent_awaiting_one_and_publishes_it()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, payment.Reference, TransactionA);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("reference").GetString().ShouldBe(payment.Reference);
        body.GetProperty("status").GetString().ShouldBe("Verifying");
        Submissions(payment.CorrelationId).ShouldBe([TransactionA]);
    }

    [Fact]
    public async Task Republishes_the_same_transaction_while_verifying()
    {
        var payment = factory.Reader.Add(PaymentStatuses.Verifying, TransactionA);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, payment.Reference, TransactionA);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        Submissions(payment.CorrelationId).ShouldBe([TransactionA]);
    }

    [Fact]
    public async Task Republishes_the_same_transaction_while_awaiting_one()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction, TransactionA);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, payment.Reference, TransactionA);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        Submissions(payment.CorrelationId).ShouldBe([TransactionA]);
    }

    [Fact]
    public async Task Accepts_a_late_transaction_for_an_expired_intent_and_publishes_it()
    {
        var payment = factory.Reader.Add(PaymentStatuses.Expired);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, payment.Reference, TransactionA);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("Verifying");
        response.Headers.Location!.OriginalString.ShouldBe($"/api/payments/{payment.Reference}");
        Submissions(payment.CorrelationId).ShouldBe([TransactionA]);
    }

    [Fact]
    public async Task Accepts_the_same_transaction_again_for_an_expired_intent()
    {
        var payment = factory.Reader.Add(PaymentStatuses.Expired, TransactionA);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, payment.Reference, TransactionA);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        Submissions(payment.CorrelationId).ShouldBe([TransactionA]);
    }

    [Theory]
    [InlineData(PaymentStatuses.AwaitingTransaction)]
    [InlineData(PaymentStatuses.Verifying)]
    [InlineData(PaymentStatuses.Expired)]
    public async Task Refuses_another_transaction_than_the_stored_one_with_409(string status)
    {
        var payment = factory.Reader.Add(status, TransactionA);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, payment.Reference, TransactionB);

        var problem = await response.ShouldBeProblemAsync(409);
        problem.GetProperty("detail").GetString()!.ShouldContain("Another transaction");
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    public static TheoryData<string, string?, string> SettledSubmissions()
    {
        var data = new TheoryData<string, string?, string>();
        // Refunded is not a status of the saga yet; it is listed so that its arrival cannot reopen submissions.
        foreach (var status in new[] { PaymentStatuses.Confirmed, PaymentStatuses.Failed, "Refunded", PaymentStatuses.NeedsReview })
        {
            var detail = status == PaymentStatuses.NeedsReview ? "operator" : "final status";
            data.Add(status, TransactionA, detail);
            data.Add(status, null, detail);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SettledSubmissions))]
    public async Task Refuses_any_transaction_once_the_payment_is_settled_or_in_review_with_409(
        string status, string? stored, string detail)
    {
        var payment = factory.Reader.Add(status, stored);
        using var client = factory.CreateAuthorizedClient();

        using var same = await Submit(client, payment.Reference, TransactionA);
        using var other = await Submit(client, payment.Reference, TransactionB);

        foreach (var response in new[] { same, other })
        {
            var problem = await response.ShouldBeProblemAsync(409);
            problem.GetProperty("detail").GetString()!.ShouldContain(status);
            problem.GetProperty("detail").GetString()!.ShouldContain(detail);
        }

        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Fact]
    public async Task Answers_404_for_an_unknown_reference()
    {
        using var client = factory.CreateAuthorizedClient();
        var reference = Guid.NewGuid().ToString("N");

        using var response = await Submit(client, reference, TransactionA);

        await response.ShouldBeProblemAsync(404);
        Submissions(Guid.ParseExact(reference, "N")).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("not-a-reference")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task Rejects_a_malformed_reference_naming_it(string reference)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await Submit(client, reference, TransactionA);

        await response.ShouldBeProblemAsync(400, "reference");
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { "{}", "transactionId" },
        { """{"transactionId":null}""", "transactionId" },
        { """{"transactionId":""}""", "transactionId" },
        { """{"transactionId":12}""", "transactionId" },
        { $$"""{"transactionId":"{{new string('a', 64)}}"}""", "transactionId" },
        { $$"""{"transactionId":"0x{{new string('A', 64)}}"}""", "transactionId" },
        { $$"""{"transactionId":"0x{{new string('a', 63)}}"}""", "transactionId" },
        { $$"""{"transactionId":"0x{{new string('a', 65)}}"}""", "transactionId" },
        { $$"""{"transactionId":"0x{{new string('g', 64)}}"}""", "transactionId" },
        { "{oops", "body" },
        { "[1]", "body" },
        { $$"""{"transactionId":"0x{{new string('a', 64)}}","padding":"{{new string('x', 16 * 1024)}}"}""", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Rejects_an_invalid_body_naming_the_field_and_publishes_nothing(string body, string field)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync(
            $"/api/payments/{payment.Reference}/transaction", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(body.Length > 16 * 1024 ? 413 : 400, field);
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    public static TheoryData<string> ControlCharacters() => new()
    {
        $$"""{"transactionId":"{{TransactionA}}\u0000"}""",
        $$"""{"transactionId":"\u0000{{TransactionA}}"}""",
        $$"""{"transactionId":"{{TransactionA}}\u007f"}""",
        $$"""{"transactionId":"{{TransactionA}}\u0085"}""",
        "{\"transactionId\":\"" + TransactionA + "\u007f\"}",
        "{\"transactionId\":\"" + TransactionA + "\u009b\"}",
        "{\"transactionId\":\"" + TransactionA + "\0\"}",
        $$"""{"transactionId":"{{TransactionA}}\n"}""",
    };

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public async Task Rejects_a_control_character_in_the_transaction_id_naming_it(string body)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Post(client, payment.Reference, body);

        await response.ShouldBeProblemAsync(400, "transactionId");
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udc00")]
    [InlineData("\\udbff\\u0030")]
    public async Task Rejects_a_lone_surrogate_in_the_transaction_id_naming_it(string surrogate)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Post(client, payment.Reference, $$"""{"transactionId":"0x{{surrogate}}"}""");

        await response.ShouldBeProblemAsync(400, "transactionId");
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("transactionId")]
    [InlineData("TransactionId")]
    [InlineData("TRANSACTIONID")]
    public async Task Rejects_a_repeated_transaction_id_property_naming_it(string second)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Post(client, payment.Reference, $$"""{"transactionId":"{{TransactionA}}","{{second}}":"{{TransactionB}}"}""");

        await response.ShouldBeProblemAsync(400, "transactionId");
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("reference", "\"0123\"")]
    [InlineData("transactionHash", "null")]
    [InlineData("extra", """{"transactionId":"0x"}""")]
    [InlineData("extra", "[1,2]")]
    public async Task Rejects_an_unknown_property_next_to_a_valid_transaction_id_naming_it(string name, string value)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Post(client, payment.Reference, $$"""{"transactionId":"{{TransactionA}}","{{name}}":{{value}}}""");

        var problem = await response.ShouldBeProblemAsync(400, name);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([name]);
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Fact]
    public async Task Describes_an_unknown_property_name_with_a_control_character_without_echoing_it()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Post(client, payment.Reference, $$"""{"transactionId":"{{TransactionA}}","a\u0000\ud800":1}""");

        await response.ShouldBeProblemAsync(400, "a\\u0000\\ud800");
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"transactionId":{"value":"0x"}}""")]
    [InlineData("""{"transactionId":["0x"]}""")]
    [InlineData("""{"transactionId":true}""")]
    public async Task Rejects_a_transaction_id_that_is_not_a_string_naming_it(string body)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await Post(client, payment.Reference, body);

        await response.ShouldBeProblemAsync(400, "transactionId");
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    [Fact]
    public async Task Refuses_a_request_without_a_key_and_publishes_nothing()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateClient();

        using var response = await Submit(client, payment.Reference, TransactionA);

        await response.ShouldBeProblemAsync(401);
        Submissions(payment.CorrelationId).ShouldBeEmpty();
    }

    private static Task<HttpResponseMessage> Submit(HttpClient client, string reference, string transactionId) =>
        client.PostAsJsonAsync($"/api/payments/{reference}/transaction", new { transactionId });

    private static Task<HttpResponseMessage> Post(HttpClient client, string reference, string body) =>
        client.PostAsync($"/api/payments/{reference}/transaction", new StringContent(body, Encoding.UTF8, "application/json"));

    // The endpoint publishes before it answers, so the harness already holds anything it published.
    private string[] Submissions(Guid paymentId) =>
        factory.Harness.Published.Select<PaymentTransactionSubmitted>(m => m.Context.Message.PaymentId == paymentId)
            .Select(m => m.Context.Message.TransactionId)
            .ToArray();
}
