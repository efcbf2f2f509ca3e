using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Payments;

public sealed partial class CreatePaymentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Answers_201_with_the_reference_status_expiry_and_location()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId = "user-201", amount = "1.5", token = "USDC", recipient = "0x1111111111111111111111111111111111111111" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var reference = body.GetProperty("reference").GetString()!;
        ReferencePattern().IsMatch(reference).ShouldBeTrue(reference);
        body.GetProperty("status").GetString().ShouldBe("AwaitingTransaction");
        body.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(ApiFactory.ExpiresAt);
        response.Headers.Location!.OriginalString.ShouldBe($"/api/payments/{reference}");
    }

    [Theory]
    [InlineData("1.5", "USDC", "1500000")]
    [InlineData("0.000001", "USDC", "1")]
    [InlineData("2", "WLD", "2000000000000000000")]
    [InlineData("0.000000000000000001", "WLD", "1")]
    [InlineData("12345678901.123456789012345678", "WLD", "12345678901123456789012345678")]
    [InlineData("1.5", "usdc", "1500000")]
    public async Task Sends_the_amount_in_exact_base_units(string amount, string token, string expected)
    {
        using var client = factory.CreateAuthorizedClient();
        var userId = $"user-{Guid.NewGuid():N}";

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId, amount, token, recipient = "0x1111111111111111111111111111111111111111" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var sent = await SentInitiation(userId);
        sent.Amount.ShouldBe(expected);
        sent.Token.ShouldBe(token.ToUpperInvariant());
    }

    [Fact]
    public async Task Sends_the_recipient_lower_cased_under_the_payment_id_of_the_reference()
    {
        using var client = factory.CreateAuthorizedClient();
        var userId = $"user-{Guid.NewGuid():N}";

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId, amount = "3", token = "WLD", recipient = "0xABCDEFabcdef0123456789ABCDEF0123456789aB" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var sent = await SentInitiation(userId);
        sent.Recipient.ShouldBe("0xabcdefabcdef0123456789abcdef0123456789ab");
        sent.PaymentId.ToString("N").ShouldBe(body.GetProperty("reference").GetString());
        sent.UserId.ShouldBe(userId);
    }

    [Fact]
    public async Task Accepts_non_ascii_text_surrogate_pairs_and_property_names_in_any_case()
    {
        using var client = factory.CreateAuthorizedClient();
        var userId = $"üser-😀-{Guid.NewGuid():N}";
        // The emoji escaped as its surrogate pair: a pair is a character, only a lone half is refused.
        var body = $$"""{"UserId":"{{userId.Replace("😀", "\\ud83d\\ude00", StringComparison.Ordinal)}}","AMOUNT":"1","token":"WLD","Recipient":"0x1111111111111111111111111111111111111111"}""";

        using var response = await client.PostAsync("/api/payments", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var sent = await SentInitiation(userId);
        sent.Amount.ShouldBe("1000000000000000000");
    }

    [Fact]
    public async Task Gives_every_payment_its_own_reference()
    {
        using var client = factory.CreateAuthorizedClient();
        var references = new HashSet<string>();

        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/payments",
                new { userId = "user-many", amount = "1", token = "USDC", recipient = "0x1111111111111111111111111111111111111111" });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            references.Add(body.GetProperty("reference").GetString()!);
        }

        references.Count.ShouldBe(5);
    }

    private async Task<InitiatePayment> SentInitiation(string userId)
    {
        (await factory.Harness.Consumed.Any<InitiatePayment>(m => m.Context.Message.UserId == userId)).ShouldBeTrue();
        return factory.Harness.Consumed.Select<InitiatePayment>(m => m.Context.Message.UserId == userId).Single().Context.Message;
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex ReferencePattern();
}
