using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Payments.Api.Auth;

namespace Payments.Api.Tests.Auth;

public class ApiKeyDevelopmentGuardTests
{
    private const string RealKey = "client-key-of-this-deployment";
    private const string RealAdminKey = "admin-key-of-this-deployment";

    [Fact]
    public void Refuses_no_client_key_in_production_as_the_development_key_would_apply()
    {
        var result = Validate(Environments.Production, new ApiKeyOptions { AdminKey = RealAdminKey });

        result.Failed.ShouldBeTrue();
        result.Failures.ShouldHaveSingleItem().ShouldStartWith("Api:ApiKeys: no client key is configured");
    }

    [Fact]
    public void Refuses_the_development_client_key_configured_for_any_client_in_production()
    {
        var options = new ApiKeyOptions { ApiKey = RealKey, AdminKey = RealAdminKey };
        options.Clients["shop"] = new ApiClientOptions { ApiKeys = [RealKey + "-2", ApiKeyOptions.DevelopmentClientKey] };

        var result = Validate(Environments.Production, options);

        result.Failures.ShouldHaveSingleItem().ShouldStartWith("Api:Clients:shop:ApiKeys still has its development default");
        result.FailureMessage!.ShouldNotContain(ApiKeyOptions.DevelopmentClientKey);
    }

    [Fact]
    public void Refuses_the_development_key_as_the_default_clients_key_in_production()
    {
        var result = Validate("Staging", new ApiKeyOptions { ApiKeys = [ApiKeyOptions.DevelopmentClientKey], AdminKey = RealAdminKey });

        result.Failures.ShouldHaveSingleItem().ShouldStartWith("Api:ApiKeys (or Api:Clients:default:ApiKeys) still has its development default");
    }

    [Fact]
    public void Refuses_the_development_admin_key_in_production()
    {
        var result = Validate(Environments.Production, new ApiKeyOptions { ApiKey = RealKey });

        result.Failures.ShouldHaveSingleItem().ShouldStartWith("Api:AdminKey still has its development default");
        result.FailureMessage!.ShouldNotContain(ApiKeyOptions.DevelopmentAdminKey);
    }

    [Fact]
    public void Accepts_the_development_keys_in_development()
    {
        Validate(Environments.Development, new ApiKeyOptions()).Skipped.ShouldBeTrue();
        Validate(Environments.Development, new ApiKeyOptions { ApiKey = ApiKeyOptions.DevelopmentClientKey }).Skipped.ShouldBeTrue();
    }

    [Fact]
    public void Accepts_real_keys_in_production()
    {
        var options = new ApiKeyOptions { ApiKey = RealKey, AdminKey = RealAdminKey };
        options.Clients["shop"] = new ApiClientOptions { ApiKeys = [RealKey + "-shop"] };

        Validate(Environments.Production, options).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void The_api_refuses_to_start_in_production_with_its_development_defaults_naming_every_setting()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment(Environments.Production);
            builder.UseSetting("Postgres:MigrateOnStartup", "false");
        });

        var failure = Should.Throw<Exception>(() => factory.CreateClient());

        var messages = string.Join("\n", Flatten(failure).OfType<OptionsValidationException>().SelectMany(e => e.Failures));
        messages.ShouldContain("Api:ApiKeys: no client key is configured");
        messages.ShouldContain("Api:AdminKey still has its development default");
        messages.ShouldContain("RabbitMq:Password still has its development default");
        messages.ShouldContain("the password in Postgres:ConnectionString still has its development default");
        messages.ShouldNotContain(ApiKeyOptions.DevelopmentAdminKey);
        messages.ShouldNotContain("Password=");
    }

    private static ValidateOptionsResult Validate(string environment, ApiKeyOptions options) =>
        new ApiKeyDevelopmentGuard(new HostingEnvironment { EnvironmentName = environment }).Validate(Options.DefaultName, options);

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        yield return exception;
        IEnumerable<Exception> inner = exception switch
        {
            AggregateException aggregate => aggregate.InnerExceptions,
            { InnerException: { } one } => [one],
            _ => [],
        };
        foreach (var nested in inner.SelectMany(Flatten))
        {
            yield return nested;
        }
    }
}
