using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Payments.Consumer.Verification;

namespace Payments.Consumer.Tests.Verification;

public class VerificationOptionsTests
{
    [Fact]
    public void Defaults_match_the_design()
    {
        var options = Resolve([]);

        options.ConcurrencyLimit.ShouldBe(16);
        options.RedeliveryLimit.ShouldBe(10);
        options.RedeliveryMinInterval.ShouldBe(TimeSpan.FromSeconds(5));
        options.RedeliveryMaxInterval.ShouldBe(TimeSpan.FromMinutes(5));
        options.PendingMinInterval.ShouldBe(TimeSpan.FromSeconds(5));
        options.PendingMaxInterval.ShouldBe(TimeSpan.FromSeconds(60));
        options.DeferralJitterRatio.ShouldBe(0.2);
    }

    [Fact]
    public void Section_verification_overrides_the_defaults()
    {
        var options = Resolve(new()
        {
            ["Verification:ConcurrencyLimit"] = "4",
            ["Verification:RedeliveryLimit"] = "2",
            ["Verification:RedeliveryMinInterval"] = "00:00:01",
        });

        options.ConcurrencyLimit.ShouldBe(4);
        VerifyPaymentConsumerDefinition.RedeliveryIntervals(options).Select(i => i.TotalSeconds).ShouldBe([1, 2]);
    }

    [Theory]
    [InlineData("Verification:ConcurrencyLimit", "0")]
    [InlineData("Verification:RedeliveryLimit", "-1")]
    [InlineData("Verification:DeferralJitterRatio", "1.5")]
    [InlineData("Verification:PendingMinInterval", "00:00:00")]
    [InlineData("Verification:RedeliveryMaxInterval", "00:00:02")]
    [InlineData("Verification:PendingMaxInterval", "00:00:02")]
    public void Invalid_settings_are_refused(string key, string value)
    {
        Should.Throw<OptionsValidationException>(() => Resolve(new() { [key] = value }));
    }

    private static VerificationOptions Resolve(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddPaymentVerification();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<VerificationOptions>>().Value;
    }
}
