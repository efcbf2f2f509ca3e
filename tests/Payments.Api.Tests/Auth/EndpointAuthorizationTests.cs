using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Api.Auth;
using Payments.Api.Hosting;
using Payments.Api.Tests.Testing;

namespace Payments.Api.Tests.Auth;

/// <summary>Every route states who may call it, and a route that states nothing needs a client key.</summary>
public sealed class EndpointAuthorizationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string[] AnonymousRoutes = ["/health/live", "/health/ready", "/metrics", "/api/health/circuit-breaker"];

    [Fact]
    public void Every_endpoint_makes_an_explicit_authorization_choice()
    {
        var endpoints = Endpoints();

        endpoints.Count.ShouldBeGreaterThan(AnonymousRoutes.Length);
        foreach (var endpoint in endpoints)
        {
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).OfType<string>().ToList();
            (anonymous || policies.Count > 0).ShouldBeTrue(
                $"{endpoint.DisplayName} ({endpoint.RoutePattern.RawText}) states no authorization: add RequireAuthorization(policy) or AllowAnonymous()");
        }
    }

    [Fact]
    public void Only_health_metrics_and_the_breaker_status_are_anonymous()
    {
        var anonymous = Endpoints()
            .Where(endpoint => endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText!.TrimStart('/'))
            .Distinct()
            .ToList();

        anonymous.ShouldBe(AnonymousRoutes, ignoreOrder: true);
    }

    [Fact]
    public void The_payment_admin_and_openapi_routes_name_their_policies()
    {
        // A group's own route ("") ends in a slash: /api/payments/.
        var policies = Endpoints().Where(endpoint => endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null).ToLookup(
            endpoint => "/" + endpoint.RoutePattern.RawText!.Trim('/'),
            endpoint => endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).Single());

        // Every route named here exists: an empty lookup would pass ShouldAllBe without checking anything.
        policies["/api/payments"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.ClientPolicy);
        policies["/api/payments/{reference}"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.ClientPolicy);
        policies["/api/payments/{reference}/transaction"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.ClientPolicy);
        policies["/api/admin/circuit-breakers/{name}/reset"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.AdminPolicy);
        policies["/api/admin/circuit-breakers/{name}/isolate"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.AdminPolicy);
        policies["/api/admin/payments"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.AdminPolicy);
        policies["/api/admin/payments/{reference}/resolve"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.AdminPolicy);
        policies["/openapi/{documentName}.json"].ShouldHaveSingleItem().ShouldBe(ApiKeyDefaults.OpenApiPolicy);
    }

    [Fact]
    public async Task A_route_without_an_authorization_choice_needs_a_client_key()
    {
        await using var app = await BareApiAsync(routes => routes.MapGet("/test/unmarked", () => "reached"));
        using var client = app.GetTestClient();

        using var anonymous = await client.GetAsync("/test/unmarked");
        using var withKey = await Send(client, "/test/unmarked", ApiKeyDefaults.ClientHeader, ApiFactory.ApiKey);
        using var withAdminKey = await Send(client, "/test/unmarked", ApiKeyDefaults.AdminHeader, ApiKeyOptions.DevelopmentAdminKey);

        (await anonymous.ShouldBeProblemAsync(401)).GetProperty("detail").GetString().ShouldBe("A valid X-Api-Key header is required.");
        withKey.EnsureSuccessStatusCode();
        (await withKey.Content.ReadAsStringAsync()).ShouldBe("reached");
        await withAdminKey.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task An_unknown_route_answers_401_without_a_key_and_404_with_one()
    {
        using var client = factory.CreateClient();

        using var anonymous = await client.GetAsync("/api/nothing-here");
        using var withKey = await Send(client, "/api/nothing-here", ApiKeyDefaults.ClientHeader, ApiFactory.ApiKey);

        await anonymous.ShouldBeProblemAsync(401);
        await withKey.ShouldBeProblemAsync(404);
    }

    private List<RouteEndpoint> Endpoints()
    {
        _ = factory.Server;
        return [.. factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string path, string header, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(header, key);
        return client.SendAsync(request);
    }

    /// <summary>A test host with the API's authentication, authorization and error handling and the routes given.</summary>
    private static async Task<WebApplication> BareApiAsync(Action<IEndpointRouteBuilder> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Configuration["Api:ApiKey"] = ApiFactory.ApiKey;
        builder.UseApiUrls();
        builder.AddApiDefaults();
        builder.AddApiKeyAuth();
        var app = builder.Build();
        app.UseApiDefaults();
        map(app);
        await app.StartAsync();
        return app;
    }
}
