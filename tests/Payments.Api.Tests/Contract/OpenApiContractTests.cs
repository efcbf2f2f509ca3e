using Payments.Api.Tests.Testing;
using Payments.Testing.Contract;

namespace Payments.Api.Tests.Contract;

/// <summary>The contract check itself, on the API's real document: it passes what the document says and nothing else.</summary>
public sealed class OpenApiContractTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Reference = "0199c0d2a1b47c3e9f0a6b5d4c3b2a19";
    private const string Created = $$"""{"reference":"{{Reference}}","status":"AwaitingTransaction","expiresAt":"2026-11-26T23:45:00+00:00"}""";
    private const string Problem = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Payment not found.","status":404,"detail":"x","traceId":"00-ab"}""";

    private static readonly Dictionary<string, string> LocationHeader = new() { ["Location"] = $"/api/payments/{Reference}" };

    [Fact]
    public async Task Accepts_a_documented_response()
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        contract.Check(CreatedResponse()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Rejects_a_status_the_document_does_not_list_for_the_operation()
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        // GET documents 200, 400, 401, 404, 429: a 409 there is a drift between the API and its document.
        var violations = contract.Check(new RecordedResponse("GET", $"/api/payments/{Reference}", 409, "application/problem+json", new Dictionary<string, string>(), Problem));

        violations.ShouldHaveSingleItem().ShouldContain("status 409 is not documented for GET");
    }

    [Fact]
    public async Task Rejects_an_undocumented_path_or_method()
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        contract.Check(new RecordedResponse("GET", "/api/refunds", 200, null, new Dictionary<string, string>(), ""))
            .ShouldHaveSingleItem().ShouldContain("no path");
        contract.Check(new RecordedResponse("DELETE", $"/api/payments/{Reference}", 204, null, new Dictionary<string, string>(), ""))
            .ShouldHaveSingleItem().ShouldContain("no DELETE operation");
    }

    [Fact]
    public async Task Rejects_a_content_type_the_status_does_not_document()
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        var violations = contract.Check(new RecordedResponse("GET", $"/api/payments/{Reference}", 404, "application/json", new Dictionary<string, string>(), Problem));

        violations.ShouldHaveSingleItem().ShouldContain("content type application/json is not documented");
    }

    [Theory]
    [InlineData($$"""{"reference":"{{Reference}}","status":"AwaitingTransaction"}""", "the required property expiresAt is missing")]
    [InlineData($$"""{"reference":"{{Reference}}","status":"AwaitingTransaction","expiresAt":"2026-11-26T23:45:00+00:00","memo":"x"}""", "the property memo is not in the schema")]
    [InlineData($$"""{"reference":1,"status":"AwaitingTransaction","expiresAt":"2026-11-26T23:45:00+00:00"}""", "$.reference: integer 1 is not string")]
    [InlineData($$"""{"reference":"{{Reference}}","status":"AwaitingTransaction","expiresAt":"tomorrow"}""", "is not a date-time")]
    [InlineData("not json", "the body is not JSON")]
    public async Task Rejects_a_body_the_schema_refuses(string body, string violation)
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        var violations = contract.Check(CreatedResponse() with { Body = body });

        violations.ShouldHaveSingleItem().ShouldContain(violation);
    }

    [Fact]
    public async Task Rejects_a_response_without_a_header_the_document_requires()
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        var violations = contract.Check(CreatedResponse() with { Headers = new Dictionary<string, string>() });

        violations.ShouldHaveSingleItem().ShouldContain("the required header Location is missing");
    }

    [Fact]
    public async Task Rejects_a_header_value_its_schema_refuses()
    {
        var contract = await OpenApiContract.FromServicesAsync(factory.Services);

        var violations = contract.Check(new RecordedResponse("POST", "/api/payments", 429, "application/problem+json",
            new Dictionary<string, string> { ["Retry-After"] = "soon" }, Problem.Replace("404", "429", StringComparison.Ordinal)));

        violations.ShouldHaveSingleItem().ShouldContain("header Retry-After: string \"soon\" is not integer");
    }

    [Fact]
    public void Refuses_to_pass_a_schema_keyword_it_does_not_understand()
    {
        var contract = OpenApiContract.Parse("""
            {"openapi":"3.1.1","paths":{"/x":{"get":{"responses":{"200":{"content":{"application/json":
              {"schema":{"type":"array","uniqueItems":true}}}}}}}}}
            """);

        var violations = contract.Check(new RecordedResponse("GET", "/x", 200, "application/json", new Dictionary<string, string>(), "[1,1]"));

        violations.ShouldHaveSingleItem().ShouldContain("uniqueItems is not supported");
    }

    private static RecordedResponse CreatedResponse() =>
        new("POST", "/api/payments", 201, "application/json", LocationHeader, Created);
}
