using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Api.Payments;
using Payments.Api.Tests.Testing;

namespace Payments.Api.Tests.Hosting;

public sealed class OpenApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Documents_every_payment_route()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        paths.GetProperty("/api/payments").TryGetProperty("post", out _).ShouldBeTrue();
        paths.GetProperty("/api/payments/{reference}/transaction").TryGetProperty("post", out _).ShouldBeTrue();
        paths.GetProperty("/api/payments/{reference}").TryGetProperty("get", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Documents_the_key_header_on_payment_routes_only()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        scheme.GetProperty("type").GetString().ShouldBe("apiKey");
        scheme.GetProperty("in").GetString().ShouldBe("header");
        scheme.GetProperty("name").GetString().ShouldBe("X-Api-Key");
        var create = document.GetProperty("paths").GetProperty("/api/payments").GetProperty("post");
        create.GetProperty("security")[0].TryGetProperty("ApiKey", out _).ShouldBeTrue();
        var health = document.GetProperty("paths").GetProperty("/api/health/circuit-breaker").GetProperty("get");
        health.TryGetProperty("security", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Documents_the_review_fields_of_the_status_document()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var properties = Schema(document, "PaymentStatusResponse").GetProperty("properties");
        properties.GetProperty("reviewReason").GetProperty("type").EnumerateArray().Select(t => t.GetString())
            .ShouldBe(["null", "string"], ignoreOrder: true);
        properties.GetProperty("submittedAfterExpiry").GetProperty("type").GetString().ShouldBe("boolean");
    }

    [Theory]
    [InlineData("CreatePaymentRequest")]
    [InlineData("SubmitTransactionRequest")]
    public async Task Documents_the_request_bodies_as_closed_to_other_properties(string name)
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Schema(document, name).GetProperty("additionalProperties").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public void Runs_without_a_database_or_a_broker()
    {
        var hosted = factory.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ToList();
        hosted.ShouldNotContain(name => name.StartsWith("DatabaseMigrationService", StringComparison.Ordinal));
        hosted.ShouldNotContain("BrokerDelayTopologyInitializer");
        factory.Services.GetRequiredService<IPaymentReader>().ShouldBeOfType<FakePaymentReader>();
    }

    [Fact]
    public async Task Is_served_without_a_key_in_development()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/openapi/v1.json");

        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
    }

    [Fact]
    public async Task Answers_unknown_routes_with_a_problem_document()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.GetAsync("/api/nothing-here");

        await response.ShouldBeProblemAsync(404);
    }

    private static JsonElement Schema(JsonElement document, string name) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(name);
}
