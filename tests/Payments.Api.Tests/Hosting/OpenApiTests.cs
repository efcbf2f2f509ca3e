using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Api.Payments;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

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

        var properties = Schema(document, "PaymentStatusDocument").GetProperty("properties");
        properties.GetProperty("reviewReason").GetProperty("type").EnumerateArray().Select(t => t.GetString())
            .ShouldBe(["null", "string"], ignoreOrder: true);
        properties.GetProperty("submittedAfterExpiry").GetProperty("type").GetString().ShouldBe("boolean");
    }

    [Theory]
    [InlineData("CreatePaymentRequest")]
    [InlineData("SubmitTransactionRequest")]
    [InlineData("ResolvePaymentRequest")]
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

    [Theory]
    [InlineData("/api/payments", "post")]
    [InlineData("/api/payments/{reference}/transaction", "post")]
    [InlineData("/api/payments/{reference}", "get")]
    [InlineData("/api/admin/circuit-breakers/{name}/reset", "post")]
    [InlineData("/api/admin/circuit-breakers/{name}/isolate", "post")]
    [InlineData("/api/admin/payments", "get")]
    [InlineData("/api/admin/payments/{reference}/resolve", "post")]
    public async Task Documents_401_and_429_with_Retry_After_on_every_keyed_route(string path, string method)
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var responses = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
        ProblemSchemaRef(responses.GetProperty("401")).ShouldBe("#/components/schemas/ProblemDetails");
        ProblemSchemaRef(responses.GetProperty("429")).ShouldBe("#/components/schemas/ProblemDetails");
        var retryAfter = responses.GetProperty("429").GetProperty("headers").GetProperty("Retry-After");
        retryAfter.GetProperty("required").GetBoolean().ShouldBeTrue();
        retryAfter.GetProperty("schema").GetProperty("type").GetString().ShouldBe("integer");
    }

    [Fact]
    public async Task Documents_the_headers_and_statuses_of_payment_creation()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var create = document.GetProperty("paths").GetProperty("/api/payments").GetProperty("post");
        var key = create.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
        key.GetProperty("in").GetString().ShouldBe("header");
        key.TryGetProperty("required", out var keyRequired).ShouldBe(false, keyRequired.ToString());
        key.GetProperty("schema").GetProperty("maxLength").GetInt32().ShouldBe(255);
        var responses = create.GetProperty("responses");
        var created = responses.GetProperty("201").GetProperty("headers");
        created.GetProperty("Location").GetProperty("required").GetBoolean().ShouldBeTrue();
        // Only on a replay: optional (OpenAPI leaves out "required": false).
        created.GetProperty("Idempotent-Replayed").TryGetProperty("required", out var replayedRequired).ShouldBe(false, replayedRequired.ToString());
        ProblemSchemaRef(responses.GetProperty("422")).ShouldBe("#/components/schemas/ProblemDetails");
        responses.GetProperty("503").GetProperty("headers").TryGetProperty("Retry-After", out _).ShouldBeTrue();
        ProblemSchemaRef(responses.GetProperty("400")).ShouldBe("#/components/schemas/HttpValidationProblemDetails");
    }

    [Theory]
    [InlineData("/api/admin/circuit-breakers/{name}/reset")]
    [InlineData("/api/admin/circuit-breakers/{name}/isolate")]
    public async Task Documents_the_admin_routes_as_202_with_their_body(string path)
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var responses = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses");
        responses.TryGetProperty("200", out _).ShouldBeFalse();
        responses.GetProperty("202").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("$ref").GetString().ShouldBe("#/components/schemas/CircuitBreakerControlResponse");
        var schema = Schema(document, "CircuitBreakerControlResponse");
        schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["name", "action", "status"], ignoreOrder: true);
        schema.GetProperty("additionalProperties").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Documents_the_resolution_route_its_body_and_its_answers()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var resolve = document.GetProperty("paths").GetProperty("/api/admin/payments/{reference}/resolve").GetProperty("post");
        resolve.GetProperty("operationId").GetString().ShouldBe("ResolvePayment");
        resolve.GetProperty("security")[0].TryGetProperty("AdminKey", out _).ShouldBeTrue(resolve.GetProperty("security").ToString());
        resolve.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("$ref").GetString().ShouldBe("#/components/schemas/ResolvePaymentRequest");
        var responses = resolve.GetProperty("responses");
        responses.EnumerateObject().Select(r => r.Name).ShouldBe(["200", "400", "401", "404", "409", "413", "415", "429", "503"], ignoreOrder: true);
        responses.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("$ref").GetString().ShouldBe("#/components/schemas/PaymentStatusDocument");
        ProblemSchemaRef(responses.GetProperty("409")).ShouldBe("#/components/schemas/ProblemDetails");
        var retryAfter = responses.GetProperty("503").GetProperty("headers").GetProperty("Retry-After");
        retryAfter.GetProperty("required").GetBoolean().ShouldBeTrue();
        retryAfter.GetProperty("schema").GetProperty("type").GetString().ShouldBe("integer");

        var body = Schema(document, "ResolvePaymentRequest");
        body.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["resolution", "note"], ignoreOrder: true);
        body.GetProperty("properties").GetProperty("resolution").GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(["confirm", "fail", "refunded"]);
        body.GetProperty("properties").GetProperty("note").GetProperty("maxLength").GetInt32().ShouldBe(1000);
    }

    [Fact]
    public async Task Documents_the_listing_its_parameters_and_its_page()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var list = document.GetProperty("paths").GetProperty("/api/admin/payments").GetProperty("get");
        list.GetProperty("operationId").GetString().ShouldBe("ListPayments");
        var parameters = list.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        parameters.Keys.ShouldBe(["status", "limit", "after"], ignoreOrder: true);
        parameters.Values.ShouldAllBe(p => p.GetProperty("in").GetString() == "query");
        parameters["status"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(PaymentStatuses.All);
        parameters["status"].GetProperty("schema").GetProperty("default").GetString().ShouldBe("NeedsReview");
        parameters["limit"].GetProperty("schema").GetProperty("type").GetString().ShouldBe("integer");
        parameters["limit"].GetProperty("schema").GetProperty("maximum").GetInt32().ShouldBe(200);
        var responses = list.GetProperty("responses");
        responses.EnumerateObject().Select(r => r.Name).ShouldBe(["200", "400", "401", "429"], ignoreOrder: true);
        responses.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("$ref").GetString().ShouldBe("#/components/schemas/AdminPaymentPage");
        Schema(document, "AdminPaymentPage").GetProperty("additionalProperties").GetBoolean().ShouldBeFalse();
        var item = Schema(document, "AdminPaymentItem");
        item.GetProperty("additionalProperties").GetBoolean().ShouldBeFalse();
        item.GetProperty("properties").GetProperty("payment").GetProperty("$ref").GetString().ShouldBe("#/components/schemas/PaymentStatusDocument");
    }

    [Fact]
    public async Task Documents_integers_as_integers_only()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Schema(document, "PaymentStatusDocument").GetProperty("properties").GetProperty("pendingChecks")
            .GetProperty("type").GetString().ShouldBe("integer");
    }

    private static string? ProblemSchemaRef(JsonElement response) =>
        response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();

    private static JsonElement Schema(JsonElement document, string name) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(name);
}
