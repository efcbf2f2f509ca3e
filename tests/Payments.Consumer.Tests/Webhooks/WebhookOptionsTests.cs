using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Payments.Consumer.Webhooks;

namespace Payments.Consumer.Tests.Webhooks;

public sealed class WebhookOptionsTests
{
    private const string Secret = "a-long-enough-secret-0123456789abcdef";

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(9, 2560)]
    [InlineData(10, 3600)]
    [InlineData(500, 3600)]
    public void Retries_double_from_ten_seconds_up_to_an_hour(int attempts, int seconds) =>
        new WebhookDeliveryOptions().DelayAfter(attempts).ShouldBe(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void An_endpoint_with_an_https_url_and_a_long_secret_is_valid_in_production() =>
        Validate(Environments.Production, ("shop", "https://shop.example/hooks", Secret)).Succeeded.ShouldBeTrue();

    [Theory]
    [InlineData("hooks", "must be an absolute http or https URL")]
    [InlineData("ftp://shop.example/hooks", "must be an absolute http or https URL")]
    [InlineData("https://user:pass@shop.example/hooks", "must not carry credentials")]
    [InlineData("http://shop.example/hooks", "must be an https URL outside the Development environment")]
    public void A_bad_url_is_refused_naming_the_setting(string url, string message)
    {
        var result = Validate(Environments.Production, ("shop", url, Secret));

        result.Failed.ShouldBeTrue();
        result.FailureMessage!.ShouldContain($"Webhooks:shop:Url {message}");
        result.FailureMessage.ShouldNotContain("pass@");
    }

    [Fact]
    public void Plain_http_is_accepted_in_development() =>
        Validate(Environments.Development, ("shop", "http://127.0.0.1:5082/_sim/webhooks", Secret)).Succeeded.ShouldBeTrue();

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("short", "at least 32 characters")]
    [InlineData(WebhookOptions.DevelopmentSecret, "still has its development default")]
    public void A_missing_short_or_development_secret_is_refused_outside_development(string? secret, string message)
    {
        var result = Validate(Environments.Production, ("shop", "https://shop.example/hooks", secret));

        result.Failed.ShouldBeTrue();
        result.FailureMessage!.ShouldContain(message);
        if (secret is not null)
        {
            result.FailureMessage.ShouldNotContain(secret);
        }
    }

    [Fact]
    public void A_client_name_the_api_would_refuse_is_refused() =>
        Validate(Environments.Development, ("shop/../admin", "http://127.0.0.1/hooks", Secret)).FailureMessage!.ShouldContain("a client name");

    [Fact]
    public void Signing_secrets_are_the_secret_then_the_rotation_list_each_once()
    {
        var endpoint = new WebhookEndpointOptions { Secret = "a" };
        endpoint.Secrets.AddRange(["b", "a", "", "c"]);

        endpoint.SigningSecrets().ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public void A_client_without_a_url_has_no_endpoint()
    {
        var options = new WebhookOptions();
        options.Endpoints["shop"] = new WebhookEndpointOptions { Secret = Secret };

        options.For("shop").ShouldBeNull();
        options.For("other").ShouldBeNull();
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string environment, params (string Client, string? Url, string? Secret)[] endpoints)
    {
        var options = new WebhookOptions();
        foreach (var (client, url, secret) in endpoints)
        {
            options.Endpoints[client] = new WebhookEndpointOptions { Url = url, Secret = secret };
        }

        return new WebhookOptionsValidator(new HostingEnvironment { EnvironmentName = environment }).Validate(null, options);
    }
}
