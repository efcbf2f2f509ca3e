using System.Net.Http.Json;
using System.Text.Json;
using Payments.Api.Tests.Testing;

namespace Payments.Api.Tests.Hosting;

/// <summary>Outside Development the OpenAPI document needs the admin key; without it, 401.</summary>
public sealed class OpenApiAccessTests(ProductionApiFactory factory) : IClassFixture<ProductionApiFactory>
{
    [Fact]
    public async Task Answers_401_without_a_key()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/openapi/v1.json");

        (await response.ShouldBeProblemAsync(401)).GetProperty("detail").GetString().ShouldBe("A valid X-Admin-Key header is required.");
    }

    [Fact]
    public async Task Answers_401_to_a_client_key_or_a_wrong_admin_key()
    {
        using var client = factory.CreateClient();

        using var clientKey = await Send(client, "X-Api-Key", ApiFactory.ApiKey);
        using var wrongAdminKey = await Send(client, "X-Admin-Key", "not-the-admin-key");

        await clientKey.ShouldBeProblemAsync(401);
        await wrongAdminKey.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task Is_served_to_the_admin_key()
    {
        using var client = factory.CreateClient();

        using var response = await Send(client, "X-Admin-Key", ProductionApiFactory.AdminKey);

        response.EnsureSuccessStatusCode();
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        document.GetProperty("paths").TryGetProperty("/api/payments", out _).ShouldBeTrue();
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string header, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Add(header, key);
        return client.SendAsync(request);
    }
}
