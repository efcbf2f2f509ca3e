using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Hosting;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

public sealed class PersistenceRegistrationTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task The_ready_check_is_healthy_when_the_database_answers()
    {
        await using var provider = Build(fixture.Database.Configuration());

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(ServiceDefaults.ReadyTag));

        report.Entries.ShouldContainKey("postgres");
        report.Status.ShouldBe(HealthStatus.Healthy);
    }

    [Fact]
    public async Task The_ready_check_is_unhealthy_when_the_database_is_unreachable()
    {
        await using var provider = Build(Settings("Host=127.0.0.1;Port=1;Username=payments;Password=payments;Timeout=2"));

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(ServiceDefaults.ReadyTag));

        report.Entries["postgres"].Status.ShouldBe(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task The_connection_string_defaults_to_the_local_payments_database()
    {
        await using var provider = Build(new ConfigurationBuilder().Build());

        provider.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString
            .ShouldBe("Host=localhost;Port=5432;Database=payments;Username=payments;Password=payments");
    }

    [Fact]
    public async Task An_empty_connection_string_is_rejected()
    {
        await using var provider = Build(Settings(""));

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value);
    }

    private static IConfiguration Settings(string connectionString) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Postgres:ConnectionString"] = connectionString })
            .Build();

    private static ServiceProvider Build(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPaymentsPersistence(configuration);
        return services.BuildServiceProvider(true);
    }
}
