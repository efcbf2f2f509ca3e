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

    public static TheoryData<string, string> ControlCharacters() => new()
    {
        { "userId", "\"\\u0000\"" },
        { "userId", "\"user-\\u0000\"" },
        { "userId", "\"user-\u0000\"" },
        { "userId", "\"user\\t1\"" },
        { "userId", "\"user\\u001b[31m\"" },
        { "userId", "\"user-\u007f\"" },
        { "userId", "\"user-\\u007f\"" },
        { "userId", "\"user-\u0085\"" },
        { "userId", "\"user-\\u009f\"" },
        { "amount", "\"1.5\\u0000\"" },
        { "token", "\"USDC\\u0000\"" },
        { "token", "\"USDC\u0080\"" },
        { "recipient", $"\"{Recipient}\\u0000\"" },
    };

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public async Task Rejects_a_control_character_in_a_string_naming_the_field(string field, string value)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(BodyWith(field, value)));

        var problem = await response.ShouldBeProblemAsync(400, field);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field]);
        await NothingWasPublished();
    }

    public static TheoryData<string, string> LoneSurrogates() => new()
    {
        { "userId", "\"\\ud800\"" },
        { "userId", "\"user-\\udc00\"" },
        { "userId", "\"user-\\udfff-1\"" },
        { "userId", "\"\\ud83d\"" },
        { "userId", "\"\\ude00\\ud83d\"" },
        { "userId", "\"\\ud800\\u0041\"" },
        { "amount", "\"1\\ud800\"" },
        { "token", "\"\\udbffUSDC\"" },
        { "recipient", "\"\\ud800\"" },
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public async Task Rejects_a_lone_surrogate_naming_the_field(string field, string value)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(BodyWith(field, value)));

        var problem = await response.ShouldBeProblemAsync(400, field);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain("Unicode");
        await NothingWasPublished();
    }

    public static TheoryData<byte[]> NotUtf8() => new()
    {
        new byte[] { 0xFF },
        new byte[] { 0xC0, 0xAF },
        // A surrogate encoded as if it were a character (CESU-8), not valid UTF-8.
        new byte[] { 0xED, 0xA0, 0x80 },
        new byte[] { 0xE2, 0x82 },
    };

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public async Task Rejects_bytes_that_are_not_utf8_naming_the_field(byte[] bad)
    {
        using var client = factory.CreateAuthorizedClient();
        byte[] body =
        [
            .. Encoding.UTF8.GetBytes("{\"userId\":\"u-"), .. bad,
            .. Encoding.UTF8.GetBytes($"\",\"amount\":\"1.5\",\"token\":\"USDC\",\"recipient\":\"{Recipient}\"}}"),
        ];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/api/payments", content);

        await response.ShouldBeProblemAsync(400, "userId");
        await NothingWasPublished();
    }

    public static TheoryData<string, string> DuplicateProperties() => new()
    {
        { $$"""{"userId":"u","amount":"1.5","amount":"2","token":"USDC","recipient":"{{Recipient}}"}""", "amount" },
        { $$"""{"userId":"u","amount":"1.5","amount":"1.5","token":"USDC","recipient":"{{Recipient}}"}""", "amount" },
        { $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}","Amount":"1.5"}""", "amount" },
        { $$"""{"userId":"u","UserId":"v","amount":"1.5","token":"USDC","recipient":"{{Recipient}}"}""", "userId" },
        { $$"""{"userId":"u","amount":"1.5","token":null,"TOKEN":"USDC","recipient":"{{Recipient}}"}""", "token" },
        { $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":{"nested":true},"recipient":"{{Recipient}}"}""", "recipient" },
    };

    [Theory]
    [MemberData(nameof(DuplicateProperties))]
    public async Task Rejects_a_duplicate_property_naming_it(string body, string field)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(body));

        var problem = await response.ShouldBeProblemAsync(400, field);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain("only once");
        await NothingWasPublished();
    }

    public static TheoryData<string, string> UnknownProperties() => new()
    {
        { "memo", "\"hello\"" },
        { "memo", "null" },
        { "priority", "1" },
        { "metadata", """{"userId":"other"}""" },
        { "tags", """["a",["b"]]""" },
        { "user_id", "\"u\"" },
        { "", "\"empty name\"" },
    };

    [Theory]
    [MemberData(nameof(UnknownProperties))]
    public async Task Rejects_an_unknown_property_naming_it(string name, string value)
    {
        using var client = factory.CreateAuthorizedClient();
        var body = $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}","{{name}}":{{value}}}""";

        using var response = await client.PostAsync("/api/payments", Json(body));

        var key = name.Length == 0 ? "\"\"" : name;
        var problem = await response.ShouldBeProblemAsync(400, key);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([key]);
        await NothingWasPublished();
    }

    public static TheoryData<string, string> UnsafePropertyNames() => new()
    {
        // JSON text of the name as sent, and the key the answer gives it.
        { "\\u0000", "\\u0000" },
        { "memo\\u0000", "memo\\u0000" },
        { "memo\u007f", "memo\\u007f" },
        { "memo\u0085", "memo\\u0085" },
        { "\\u202euserId", "\\u202euserId" },
        { "userId\\u0000", "userId\\u0000" },
        { "\\ud800", "\\ud800" },
        { "memo\\udc00", "memo\\udc00" },
        { new string('n', 100), new string('n', 64) + "…" },
    };

    [Theory]
    [MemberData(nameof(UnsafePropertyNames))]
    public async Task Describes_an_unknown_property_name_with_invisible_or_invalid_characters_without_echoing_them(
        string name, string key)
    {
        using var client = factory.CreateAuthorizedClient();
        var body = $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}","{{name}}":"x"}""";

        using var response = await client.PostAsync("/api/payments", Json(body));

        var problem = await response.ShouldBeProblemAsync(400, key);
        var names = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        names.ShouldBe([key]);
        names[0].ShouldAllBe(c => !char.IsControl(c) && !char.IsSurrogate(c) && c != '\u202e');
        await NothingWasPublished();
    }

    [Fact]
    public async Task Names_at_most_eight_unknown_properties_and_counts_the_rest()
    {
        using var client = factory.CreateAuthorizedClient();
        var extra = string.Concat(Enumerable.Range(0, 20).Select(i => $",\"extra{i}\":{i}"));
        var body = $$"""{"userId":"u","amount":"1.5","token":"USDC","recipient":"{{Recipient}}"{{extra}}}""";

        using var response = await client.PostAsync("/api/payments", Json(body));

        var problem = await response.ShouldBeProblemAsync(400, "body");
        var errors = problem.GetProperty("errors");
        errors.EnumerateObject().Count(e => e.Name.StartsWith("extra", StringComparison.Ordinal)).ShouldBe(8);
        errors.GetProperty("body")[0].GetString()!.ShouldContain("12 more");
        await NothingWasPublished();
    }

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000")]
    [InlineData("0X0000000000000000000000000000000000000000")]
    public async Task Rejects_the_zero_address_as_recipient(string recipient)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(BodyWith("recipient", $"\"{recipient}\"")));

        var problem = await response.ShouldBeProblemAsync(400, "recipient");
        if (recipient.StartsWith("0x", StringComparison.Ordinal))
        {
            problem.GetProperty("errors").GetProperty("recipient")[0].GetString()!.ShouldContain("zero address");
        }

        await NothingWasPublished();
    }

    public static TheoryData<string, string> NestedValues() => new()
    {
        { "userId", """{"id":"u"}""" },
        { "userId", """{"id":"\u0000"}""" },
        { "amount", """["1.5"]""" },
        { "token", "{}" },
        { "recipient", "[[[]]]" },
        { "userId", "true" },
        { "amount", "[" + string.Concat(Enumerable.Repeat("[", 20)) + string.Concat(Enumerable.Repeat("]", 20)) + "]" },
        { "userId", "tru" },
    };

    [Theory]
    [MemberData(nameof(NestedValues))]
    public async Task Rejects_a_value_that_is_not_a_string_naming_the_field(string field, string value)
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsync("/api/payments", Json(BodyWith(field, value)));

        var problem = await response.ShouldBeProblemAsync(400, field);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field]);
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

    /// <summary>A valid body with one field's JSON value replaced by <paramref name="json"/>.</summary>
    private static string BodyWith(string field, string json)
    {
        var values = new Dictionary<string, string>
        {
            ["userId"] = "\"u\"",
            ["amount"] = "\"1.5\"",
            ["token"] = "\"USDC\"",
            ["recipient"] = $"\"{Recipient}\"",
        };
        values[field] = json;
        return "{" + string.Join(",", values.Select(v => $"\"{v.Key}\":{v.Value}")) + "}";
    }
}
