using System.Net;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Auth;

public sealed class ApiKeyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    public static TheoryData<string, string> ProtectedRoutes() => new()
    {
        { "POST", "/api/payments" },
        { "POST", "/api/payments/0123456789abcdef0123456789abcdef/transaction" },
        { "GET", "/api/payments/0123456789abcdef0123456789abcdef" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Answers_401_without_a_key(string method, string path)
    {
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ShouldBeProblemAsync(401);
    }

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Answers_401_with_a_wrong_key(string method, string path)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-Api-Key", "dev-api-key-but-wrong");

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task Answers_401_for_the_admin_key_on_client_routes()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{Guid.NewGuid():N}");
        request.Headers.Add("X-Api-Key", "dev-admin-key");

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(401);
    }

    [Theory]
    [InlineData(ApiFactory.ApiKey)]
    [InlineData(ApiFactory.SecondApiKey)]
    public async Task Accepts_every_configured_client_key(string key)
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{payment.Reference}");
        request.Headers.Add("X-Api-Key", key);

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stops_accepting_the_local_default_key_once_keys_are_configured()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{payment.Reference}");
        request.Headers.Add("X-Api-Key", "dev-api-key");

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(401);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/openapi/v1.json")]
    public async Task Leaves_health_and_the_openapi_document_anonymous(string path)
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
