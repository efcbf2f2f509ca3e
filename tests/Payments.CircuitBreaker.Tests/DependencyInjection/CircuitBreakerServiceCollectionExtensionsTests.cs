using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests.DependencyInjection;

public class CircuitBreakerServiceCollectionExtensionsTests
{
    private readonly FakeTimeProvider _time = TestBreakers.NewTime();

    [Fact]
    public void The_registry_returns_one_shared_instance_per_name()
    {
        using var provider = BuildProvider([]);
        var registry = provider.GetRequiredService<ICircuitBreakerRegistry>();

        var first = registry.Get(CircuitBreakerPresets.DeveloperPortal);
        var second = provider.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);
        var database = registry.Get(CircuitBreakerPresets.Database);

        second.ShouldBeSameAs(first);
        database.ShouldNotBeSameAs(first);
        registry.All.ShouldBe([first, database], ignoreOrder: true);
    }

    [Fact]
    public async Task Concurrent_first_requests_for_a_name_share_one_instance()
    {
        using var provider = BuildProvider([]);
        var registry = provider.GetRequiredService<ICircuitBreakerRegistry>();

        var breakers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => registry.Get("Shared"))));

        breakers.Distinct().Count().ShouldBe(1);
        registry.All.Count.ShouldBe(1);
    }

    [Fact]
    public void Presets_keep_their_values_unless_configuration_overrides_them()
    {
        using var provider = BuildProvider(new()
        {
            ["CircuitBreakers:DeveloperPortal:FailureThreshold"] = "7",
            ["CircuitBreakers:DeveloperPortal:HalfOpenPermits"] = "2",
        });
        var options = provider.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>();

        var portal = options.Get(CircuitBreakerPresets.DeveloperPortal);
        portal.FailureThreshold.ShouldBe(7);
        portal.SuccessThreshold.ShouldBe(2);
        portal.OpenTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        portal.HalfOpenPermits.ShouldBe(2);
        var database = options.Get(CircuitBreakerPresets.Database);
        database.FailureThreshold.ShouldBe(10);
        database.SuccessThreshold.ShouldBe(3);
        database.OpenTimeout.ShouldBe(TimeSpan.FromSeconds(60));

        var breaker = provider.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);
        breaker.Fail(6);
        breaker.State.ShouldBe(CircuitState.Closed);
        breaker.Fail(1);
        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public void A_member_of_a_family_takes_the_family_preset_then_the_family_section_then_its_own()
    {
        using var provider = BuildProvider(new()
        {
            ["CircuitBreakers:Webhooks:OpenTimeout"] = "00:00:05",
            ["CircuitBreakers:Webhooks:FailureThreshold"] = "3",
            ["CircuitBreakers:Webhooks.slow-shop:FailureThreshold"] = "9",
        });
        var options = provider.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>();

        var shop = options.Get("Webhooks.shop");
        shop.FailureThreshold.ShouldBe(3);
        shop.SuccessThreshold.ShouldBe(1);
        shop.OpenTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        var slow = options.Get("Webhooks.slow-shop");
        slow.FailureThreshold.ShouldBe(9);
        slow.OpenTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        var preset = CircuitBreakerPresets.For("Webhooks.any");
        (preset.FailureThreshold, preset.SuccessThreshold, preset.OpenTimeout, preset.ProbeTimeout).ShouldBe((5, 1, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15)));
        CircuitBreakerPresets.FamilyOf("Webhooks.shop").ShouldBe("Webhooks");
        CircuitBreakerPresets.FamilyOf("DeveloperPortal").ShouldBeNull();
        CircuitBreakerPresets.FamilyOf(".hidden").ShouldBeNull();
    }

    [Fact]
    public void A_custom_breaker_is_configured_by_name_and_uses_the_injected_time_provider()
    {
        using var provider = BuildProvider(new()
        {
            ["CircuitBreakers:Ledger:FailureThreshold"] = "2",
            ["CircuitBreakers:Ledger:OpenTimeout"] = "00:00:05",
        });
        var breaker = provider.GetRequiredService<ICircuitBreakerRegistry>().Get("Ledger");

        breaker.Name.ShouldBe("Ledger");
        breaker.Fail(2);
        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));
        breaker.TryAcquire(out _, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("CircuitBreakers:DeveloperPortal:FailureThreshold", "0", "CircuitBreakers:DeveloperPortal:FailureThreshold must be at least 1")]
    [InlineData("CircuitBreakers:Database:SuccessThreshold", "-1", "CircuitBreakers:Database:SuccessThreshold must be at least 1")]
    [InlineData("CircuitBreakers:DeveloperPortal:HalfOpenPermits", "0", "CircuitBreakers:DeveloperPortal:HalfOpenPermits must be at least 1")]
    [InlineData("CircuitBreakers:Ledger:OpenTimeout", "00:00:00", "CircuitBreakers:Ledger:OpenTimeout must be positive")]
    [InlineData("CircuitBreakers:Ledger:ProbeTimeout", "-00:00:01", "CircuitBreakers:Ledger:ProbeTimeout must be positive")]
    public async Task Invalid_options_fail_start_with_a_message_naming_the_key(string key, string value, string message)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddCircuitBreakers(builder.Configuration);
        using var host = builder.Build();

        var exception = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        exception.Message.ShouldContain(message);
    }

    [Fact]
    public async Task Valid_options_let_the_host_start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["CircuitBreakers:Ledger:FailureThreshold"] = "3" });
        builder.Services.AddCircuitBreakers(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync();

        host.Services.GetRequiredService<ICircuitBreakerRegistry>().Get("Ledger").State.ShouldBe(CircuitState.Closed);
        host.Services.GetRequiredService<CircuitBreakerTelemetry>().ShouldNotBeNull();
        await host.StopAsync();
    }

    [Fact]
    public void Asking_for_a_breaker_with_invalid_options_throws_and_leaves_no_instance_behind()
    {
        using var provider = BuildProvider(new() { ["CircuitBreakers:Broken:FailureThreshold"] = "0" });
        var registry = provider.GetRequiredService<ICircuitBreakerRegistry>();

        Should.Throw<OptionsValidationException>(() => registry.Get("Broken"))
            .Message.ShouldContain("CircuitBreakers:Broken:FailureThreshold must be at least 1");
        registry.All.ShouldBeEmpty();
    }

    private ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging();
        services.AddMetrics();
        services.AddCircuitBreakers(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
