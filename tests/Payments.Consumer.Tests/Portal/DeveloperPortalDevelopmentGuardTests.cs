using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Payments.Consumer.Portal;

namespace Payments.Consumer.Tests.Portal;

/// <summary>The portal's guard as AddDeveloperPortalClient registers it.</summary>
public class DeveloperPortalDevelopmentGuardTests
{
    private const string RealKey = "portal-key-of-this-deployment";
    private const string RealUrl = "https://developer.worldcoin.org";

    [Fact]
    public void Refuses_the_simulator_key_in_production_naming_the_setting_only()
    {
        using var provider = Build(Environments.Production, baseUrl: RealUrl, apiKey: null);

        var failure = Should.Throw<OptionsValidationException>(Read(provider));

        failure.Message.ShouldContain("DeveloperPortal:ApiKey");
        failure.Message.ShouldContain("development default");
        failure.Message.ShouldNotContain(DeveloperPortalOptions.DevelopmentApiKey);
        failure.Message.ShouldNotContain("DeveloperPortal:BaseUrl");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://portal.internal")]
    public void Refuses_a_portal_reached_over_plain_http_in_production(string? baseUrl)
    {
        using var provider = Build(Environments.Production, baseUrl, apiKey: RealKey);

        var failure = Should.Throw<OptionsValidationException>(Read(provider));

        failure.Message.ShouldContain("DeveloperPortal:BaseUrl must be an https URL");
        failure.Message.ShouldNotContain("DeveloperPortal:ApiKey");
    }

    [Fact]
    public void Names_both_settings_when_both_are_development_defaults()
    {
        using var provider = Build("Staging", baseUrl: null, apiKey: null);

        var failures = Should.Throw<OptionsValidationException>(Read(provider)).Failures.ToList();

        failures.Count.ShouldBe(2);
        failures.ShouldContain(failure => failure.StartsWith("DeveloperPortal:ApiKey", StringComparison.Ordinal));
        failures.ShouldContain(failure => failure.StartsWith("DeveloperPortal:BaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void Accepts_the_simulator_and_its_key_in_development()
    {
        using var provider = Build(Environments.Development, baseUrl: null, apiKey: null);

        var options = provider.GetRequiredService<IOptions<DeveloperPortalOptions>>().Value;

        options.BaseUrl.ShouldBe(DeveloperPortalOptions.DevelopmentBaseUrl);
        options.ApiKey.ShouldBe(DeveloperPortalOptions.DevelopmentApiKey);
    }

    [Fact]
    public void Accepts_a_real_key_and_an_https_portal_in_production()
    {
        using var provider = Build(Environments.Production, RealUrl, RealKey);

        var options = provider.GetRequiredService<IOptions<DeveloperPortalOptions>>().Value;

        options.BaseUrl.ShouldBe(RealUrl);
        options.ApiKey.ShouldBe(RealKey);
    }

    private static Func<DeveloperPortalOptions> Read(IServiceProvider provider) =>
        () => provider.GetRequiredService<IOptions<DeveloperPortalOptions>>().Value;

    private static ServiceProvider Build(string environment, string? baseUrl, string? apiKey)
    {
        var settings = new Dictionary<string, string?>();
        if (baseUrl is not null)
        {
            settings["DeveloperPortal:BaseUrl"] = baseUrl;
        }

        if (apiKey is not null)
        {
            settings["DeveloperPortal:ApiKey"] = apiKey;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        services.AddDeveloperPortalClient(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider();
    }
}
