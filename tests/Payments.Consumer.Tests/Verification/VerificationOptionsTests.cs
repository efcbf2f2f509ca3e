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
        options.NotFoundGrace.ShouldBe(TimeSpan.FromSeconds(60));
        options.PendingGiveUpAfter.ShouldBe(TimeSpan.FromHours(24));
        options.StaleAfter.ShouldBe(TimeSpan.FromMinutes(5));
        options.ReconcileInterval.ShouldBe(TimeSpan.FromSeconds(30));
        options.LongestRecheckInterval.ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void The_longest_recheck_interval_is_the_larger_of_the_pending_and_the_redelivery_caps()
    {
        Resolve(new() { ["Verification:PendingMaxInterval"] = "00:10:00" }).LongestRecheckInterval.ShouldBe(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Registering_the_options_twice_binds_and_validates_them_once()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddPaymentVerification();
        services.AddPaymentVerification();

        services.Count(d => d.ServiceType == typeof(IConfigureOptions<VerificationOptions>)).ShouldBe(1);
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
    [InlineData("Verification:PendingGiveUpAfter", "00:00:30")]
    [InlineData("Verification:NotFoundGrace", "-00:00:01")]
    [InlineData("Verification:StaleAfter", "00:00:00")]
    [InlineData("Verification:ReconcileBatchSize", "0")]
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
