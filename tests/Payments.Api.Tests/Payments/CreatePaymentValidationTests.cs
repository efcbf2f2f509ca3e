using System.Net.Http.Json;
using System.Text;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Payments;

/// <summary>Every request in this class is invalid, so the whole class must leave the bus untouched.</summary>
public sealed class CreatePaymentValidationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Recipient = "0x1111111111111111111111111111111111111111";

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { """{"amount":"1.5","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "userId" },
        { """{"userId":"","amount":"1.5","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "userId" },
        { """{"userId":"   ","amount":"1.5","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "userId" },
        { $$"""{"userId":"{{new string('u', 129)}}","amount":"1.5","token":"USDC","recipient":"{{Recipient}}"}""", "userId" },
        { """{"userId":42,"amount":"1.5","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "userId" },
        { """{"userId":"u","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":null,"token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":1.5,"token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"0","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"0.000","token":"WLD","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"-1","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"1e3","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"abc","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"1.0000001","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"0.0000000000000000001","token":"WLD","recipient":"0x1111111111111111111111111111111111111111"}""", "amount" },
        { """{"userId":"u","amount":"1.5","recipient":"0x1111111111111111111111111111111111111111"}""", "token" },
        { """{"userId":"u","amount":"1.5","token":"ETH","recipient":"0x1111111111111111111111111111111111111111"}""", "token" },
        { """{"userId":"u","amount":"1.5","token":"USDC"}""", "recipient" },
        { """{"userId":"u","amount":"1.5","token":"USDC","recipient":"1111111111111111111111111111111111111111"}""", "recipient" },
        { """{"userId":"u","amount":"1.5","token":"USDC","recipient":"0x111111111111111111111111111111111111111"}""", "recipient" },
        { """{"userId":"u","amount":"1.5","token":"USDC","recipient":"0x11111111111111111111111111111111111111111"}""", "recipient" },
        { """{"userId":"u","amount":"1.5","token":"USDC","recipient":"0xgggggggggggggggggggggggggggggggggggggggg"}""", "recipient" },
        { """{"userId":"u","amount":"1.5","token":"USDC","recipient":"0x1111111111111111111111111111111111111111\n"}""", "recipient" },
        { "{not json", "body" },
        { """{"userId":"u",}""", "body" },
        { "[]", "body" },
        { "\"a string\"", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Rejects_an_invalid_body_naming_the_field(string body, string field)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(body));

        await response.ShouldBeProblemAsync(400, field);
        await NothingWasPublished();
    }

    [Fact]
    public async Task Names_every_bad_field_at_once()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json("""{"amount":"x","token":"DOGE","recipient":"0x1"}"""));

        var problem = await response.ShouldBeProblemAsync(400);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "userId", "amount", "token", "recipient" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }

        await NothingWasPublished();
    }

    [Fact]
    public async Task Rejects_an_empty_body()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(string.Empty));

        await response.ShouldBeProblemAsync(400, "body");
        await NothingWasPublished();
    }

    [Fact]
    public async Task Rejects_a_body_over_16_KiB_with_413()
    {
        using var client = factory.CreateAuthorizedClient();
        var body = $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}","padding":"{{new string('x', 16 * 1024)}}"}""";

        using var response = await client.PostAsync("/api/payments", Json(body));

        await response.ShouldBeProblemAsync(413, "body");
        await NothingWasPublished();
    }

    [Fact]
    public async Task Rejects_a_chunked_body_over_16_KiB_with_413()
    {
        using var client = factory.CreateAuthorizedClient();
        var body = $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}","padding":"{{new string('x', 16 * 1024)}}"}""";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(413, "body");
        await NothingWasPublished();
    }

    [Fact]
    public async Task Rejects_a_body_that_is_not_json_with_415()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", new StringContent("userId=u", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await response.ShouldBeProblemAsync(415);
        await NothingWasPublished();
    }

    [Fact]
    public async Task Treats_a_body_without_content_type_as_json()
    {
        using var client = factory.CreateAuthorizedClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{broken"));

        using var response = await client.PostAsync("/api/payments", content);

        await response.ShouldBeProblemAsync(400, "body");
        await NothingWasPublished();
    }

    [Fact]
    public async Task Rejects_a_request_without_a_key_before_reading_it()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/payments", new { userId = "u", amount = "1.5", token = "USDC", recipient = Recipient });

        await response.ShouldBeProblemAsync(401);
        await NothingWasPublished();
    }

    private async Task NothingWasPublished()
    {
        (await factory.Harness.Published.Any<InitiatePayment>()).ShouldBeFalse();
        (await factory.Harness.Sent.Any<InitiatePayment>()).ShouldBeFalse();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
