using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Payments.Api.CircuitBreakers;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.CircuitBreakers;

public sealed class CircuitBreakerEndpointTests : IClassFixture<ApiFactory>
{
    private readonly ApiFactory _factory;

    public CircuitBreakerEndpointTests(ApiFactory factory) => _factory = factory;

    [Fact]
    public async Task Health_is_anonymous_and_degraded_while_a_breaker_is_open()
    {
        var store = _factory.Services.GetRequiredService<CircuitBreakerStatusStore>();
        var instance = "open-" + Guid.NewGuid().ToString("N");
        store.Update(CircuitBreakerStatusStoreTests.Report(instance, DateTimeOffset.UtcNow, "OPEN"));

        var response = await _factory.CreateClient().GetAsync("/api/health/circuit-breaker");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("degraded");
        var breaker = body.GetProperty("circuitBreakers").EnumerateArray().Single(b => b.GetProperty("instance").GetString() == instance);
        breaker.GetProperty("name").GetString().ShouldBe("DeveloperPortal");
        breaker.GetProperty("state").GetString().ShouldBe("OPEN");
        breaker.GetProperty("failures").GetInt32().ShouldBe(5);
        breaker.GetProperty("totalAttempts").GetInt64().ShouldBe(10);
        breaker.GetProperty("retryAfterSeconds").GetDouble().ShouldBe(30);
    }

    [Fact]
    public async Task Health_is_healthy_when_every_reported_breaker_is_closed()
    {
        using var factory = new ApiFactory();
        factory.Services.GetRequiredService<CircuitBreakerStatusStore>()
            .Update(CircuitBreakerStatusStoreTests.Report("closed-instance", DateTimeOffset.UtcNow, "CLOSED"));

        var body = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");

        body.GetProperty("status").GetString().ShouldBe("healthy");
        body.GetProperty("circuitBreakers").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Health_is_degraded_when_no_consumer_reports()
    {
        using var factory = new ApiFactory();

        var body = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");

        body.GetProperty("status").GetString().ShouldBe("degraded");
        body.GetProperty("circuitBreakers").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("reset", CircuitBreakerAction.Reset)]
    [InlineData("isolate", CircuitBreakerAction.Isolate)]
    public async Task Admin_action_with_the_admin_key_is_accepted_and_published(string route, CircuitBreakerAction action)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", "dev-admin-key");

        var response = await client.PostAsync($"/api/admin/circuit-breakers/DeveloperPortal/{route}", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await _factory.Harness.Published.Any<ControlCircuitBreaker>(m => m.Context.Message.Name == "DeveloperPortal" && m.Context.Message.Action == action))
            .ShouldBeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("dev-api-key")]
    public async Task Admin_action_without_the_admin_key_is_401_and_publishes_nothing(string? key)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Key", key);
        }

        var response = await client.PostAsync("/api/admin/circuit-breakers/DeveloperPortal/isolate", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await factory.Harness.Published.Any<ControlCircuitBreaker>()).ShouldBeFalse();
    }

    [Fact]
    public async Task Admin_action_on_a_malformed_name_is_400_naming_it()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", "dev-admin-key");

        var response = await client.PostAsync("/api/admin/circuit-breakers/" + new string('x', 65) + "/reset", null);

        await response.ShouldBeProblemAsync(400, "name");
        (await factory.Harness.Published.Any<ControlCircuitBreaker>()).ShouldBeFalse();
    }
}
