using System.ComponentModel.DataAnnotations;
using Payments.Api.Auth;

namespace Payments.Api.Tests.Auth;

public sealed class ApiKeyOptionsTests
{
    [Fact]
    public void Keys_belong_to_their_client_and_unnamed_keys_to_default()
    {
        var options = new ApiKeyOptions
        {
            ApiKey = "single-key-1",
            ApiKeys = ["listed-key-1"],
            Clients = new() { ["shop"] = new ApiClientOptions { ApiKeys = ["shop-key-old", "shop-key-new"] } },
        };

        options.ClientKeys().ShouldBe(
            [
                new ApiClientKey("default", "listed-key-1"),
                new ApiClientKey("default", "single-key-1"),
                new ApiClientKey("shop", "shop-key-old"),
                new ApiClientKey("shop", "shop-key-new"),
            ],
            ignoreOrder: true);
        Errors(options).ShouldBeEmpty();
    }

    [Fact]
    public void Configuring_any_client_turns_the_development_key_off()
    {
        new ApiKeyOptions().ClientKeys().ShouldBe([new ApiClientKey("default", ApiKeyOptions.DevelopmentClientKey)]);

        var configured = new ApiKeyOptions { Clients = new() { ["shop"] = new ApiClientOptions { ApiKeys = ["shop-key-1"] } } };

        configured.ClientKeys().ShouldNotContain(key => key.Key == ApiKeyOptions.DevelopmentClientKey);
    }

    [Fact]
    public void Refuses_a_key_that_belongs_to_two_clients()
    {
        var options = new ApiKeyOptions
        {
            Clients = new()
            {
                ["a"] = new ApiClientOptions { ApiKeys = ["shared-key-1"] },
                ["b"] = new ApiClientOptions { ApiKeys = ["shared-key-1"] },
            },
        };

        Errors(options).ShouldContain(error => error.Contains("several clients") && error.Contains("a, b"));
    }

    [Fact]
    public void Refuses_the_admin_key_as_a_client_key()
    {
        var options = new ApiKeyOptions { AdminKey = "the-admin-key", Clients = new() { ["a"] = new ApiClientOptions { ApiKeys = ["the-admin-key"] } } };

        Errors(options).ShouldContain(error => error.Contains("Api:AdminKey"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("ünïcode")]
    public void Refuses_a_client_name_outside_letters_digits_dot_underscore_dash(string name)
    {
        var options = new ApiKeyOptions { Clients = new() { [name] = new ApiClientOptions { ApiKeys = ["client-key-1"] } } };

        Errors(options).ShouldContain(error => error.Contains($"Api:Clients:{name}"));
    }

    [Fact]
    public void Refuses_a_short_key_naming_the_setting_not_the_key()
    {
        var options = new ApiKeyOptions { Clients = new() { ["shop"] = new ApiClientOptions { ApiKeys = ["short"] } } };

        var errors = Errors(options);

        errors.ShouldContain(error => error.Contains("Api:Clients:shop:ApiKeys"));
        errors.ShouldNotContain(error => error.Contains("short,") || error.EndsWith("short"));
    }

    private static List<string> Errors(ApiKeyOptions options) =>
        options.Validate(new ValidationContext(options)).Select(result => result.ErrorMessage!).ToList();
}
