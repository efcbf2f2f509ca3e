using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Persistence;

namespace Payments.Infrastructure.Tests.Hosting;

/// <summary>The broker and database guards as registered by AddPaymentsRabbitMq and AddPaymentsPersistence.</summary>
public class DevelopmentDefaultsGuardTests
{
    private const string RealSecret = "s3cret-of-this-deployment";

    [Fact]
    public void Refuses_the_development_broker_password_in_production()
    {
        using var provider = RabbitMq(Environments.Production, password: null);

        var failure = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        failure.Message.ShouldContain("RabbitMq:Password");
        failure.Message.ShouldContain("development default");
        failure.Message.ShouldContain(Environments.Production);
        failure.Message.ShouldNotContain("=" + RabbitMqOptions.DevelopmentPassword);
    }

    [Fact]
    public void Refuses_the_development_broker_password_in_production_also_when_set_explicitly()
    {
        using var provider = RabbitMq("Staging", password: RabbitMqOptions.DevelopmentPassword);

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value)
            .Message.ShouldContain("RabbitMq:Password");
    }

    [Fact]
    public void Accepts_the_development_broker_password_in_development()
    {
        using var provider = RabbitMq(Environments.Development, password: null);

        provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value.Password.ShouldBe(RabbitMqOptions.DevelopmentPassword);
    }

    [Fact]
    public void Accepts_another_broker_password_in_production()
    {
        using var provider = RabbitMq(Environments.Production, password: RealSecret);

        provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value.Password.ShouldBe(RealSecret);
    }

    [Fact]
    public void Refuses_the_development_database_password_in_production()
    {
        using var provider = Postgres(Environments.Production, connectionString: null);

        var failure = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value);

        failure.Message.ShouldContain("the password in Postgres:ConnectionString");
        failure.Message.ShouldNotContain("Password=");
    }

    [Fact]
    public void Refuses_the_development_database_password_however_the_connection_string_spells_it()
    {
        using var provider = Postgres(Environments.Production, "host=db.internal;database=payments;user id=payments;PASSWORD=payments");

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value)
            .Message.ShouldContain("Postgres:ConnectionString");
    }

    [Fact]
    public void Refuses_an_unreadable_connection_string_in_production_without_quoting_it()
    {
        using var provider = Postgres(Environments.Production, $"Host=db;Pasword={RealSecret}");

        var failure = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value);

        failure.Message.ShouldContain("Postgres:ConnectionString is not a valid PostgreSQL connection string");
        failure.Message.ShouldNotContain(RealSecret);
    }

    [Fact]
    public void Accepts_the_development_database_password_in_development()
    {
        using var provider = Postgres(Environments.Development, connectionString: null);

        provider.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString.ShouldBe(PostgresOptions.DefaultConnectionString);
    }

    [Fact]
    public void Accepts_another_database_password_in_production()
    {
        var connectionString = $"Host=db;Database=payments;Username=payments;Password={RealSecret}";
        using var provider = Postgres(Environments.Production, connectionString);

        provider.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString.ShouldBe(connectionString);
    }

    private static ServiceProvider RabbitMq(string environment, string? password)
    {
        var services = Services(environment, new Dictionary<string, string?> { ["RabbitMq:Password"] = password }, out _);
        services.AddMassTransit(x => x.AddPaymentsRabbitMq());
        return services.BuildServiceProvider();
    }

    private static ServiceProvider Postgres(string environment, string? connectionString)
    {
        var services = Services(
            environment,
            new Dictionary<string, string?> { ["Postgres:ConnectionString"] = connectionString, ["Postgres:MigrateOnStartup"] = "false" },
            out var configuration);
        services.AddPaymentsPersistence(configuration);
        return services.BuildServiceProvider();
    }

    private static ServiceCollection Services(string environment, Dictionary<string, string?> settings, out IConfiguration configuration)
    {
        configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Where(setting => setting.Value is not null))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        return services;
    }
}
