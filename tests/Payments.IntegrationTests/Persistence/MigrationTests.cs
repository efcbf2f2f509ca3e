using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_create_the_payments_table()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var services = Persistence(database);

        await services.MigrateDatabaseAsync();

        (await database.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'payments' AND column_name = 'transaction_id'")).ShouldBe(1);
        (await database.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'payments' AND column_name = 'created_at'"))
            .ShouldBe("timestamp with time zone");
        (await database.ScalarAsync<string>("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_payments_transaction_id'"))
            .ShouldBe("CREATE INDEX ix_payments_transaction_id ON public.payments USING btree (transaction_id) WHERE (transaction_id IS NOT NULL)");
        (await database.ScalarAsync<string>("SELECT indexdef FROM pg_indexes WHERE indexname = 'ux_payments_confirmed_transaction_id'"))
            .ShouldBe("CREATE UNIQUE INDEX ux_payments_confirmed_transaction_id ON public.payments USING btree (transaction_id) "
                + "WHERE ((transaction_id IS NOT NULL) AND ((current_state)::text = 'Confirmed'::text))");
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_payments_current_state'")).ShouldBe(1);
    }

    [Fact]
    public async Task Migrating_again_changes_nothing()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var services = Persistence(database);
        await services.MigrateDatabaseAsync();
        var applied = await database.ScalarAsync<long>($"SELECT count(*) FROM {PersistenceExtensions.MigrationsHistoryTable}");

        await services.MigrateDatabaseAsync();
        await services.MigrateDatabaseAsync();

        (await database.ScalarAsync<long>($"SELECT count(*) FROM {PersistenceExtensions.MigrationsHistoryTable}")).ShouldBe(applied);
        await using var db = database.CreateDbContext();
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
        (await db.Database.GetAppliedMigrationsAsync()).Count().ShouldBe((int)applied);
        applied.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Concurrent_migrations_of_one_database_all_succeed_and_apply_once()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var hosts = Enumerable.Range(0, 3).Select(_ => Persistence(database)).ToList();

        try
        {
            // The API and every consumer instance migrate at start-up, possibly at the same moment.
            await Task.WhenAll(hosts.Select(host => host.MigrateDatabaseAsync()));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }

        await using var db = database.CreateDbContext();
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
        (await database.ScalarAsync<long>($"SELECT count(*) FROM {PersistenceExtensions.MigrationsHistoryTable}"))
            .ShouldBe(db.Database.GetMigrations().Count());
    }

    [Fact]
    public async Task Migrating_creates_the_database_when_it_does_not_exist()
    {
        await using var database = PostgresDatabase.Reserve();
        await using var services = Persistence(database);

        await services.MigrateDatabaseAsync();

        (await database.ScalarAsync<long>("SELECT count(*) FROM payments")).ShouldBe(0);
    }

    [Fact]
    public async Task The_model_has_no_changes_missing_from_the_migrations()
    {
        await using var database = PostgresDatabase.Reserve();
        await using var db = database.CreateDbContext();

        db.Database.HasPendingModelChanges().ShouldBeFalse();
    }

    [Fact]
    public async Task Start_up_migration_runs_before_hosted_services_registered_earlier()
    {
        await using var database = PostgresDatabase.Reserve();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        // Stands in for the bus: registered before the persistence, as AddMassTransit may be.
        builder.Services.AddSingleton<SchemaProbe>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<SchemaProbe>());
        builder.Services.AddPaymentsPersistence(database.Configuration(migrateOnStartup: true));
        using var host = builder.Build();

        await host.StartAsync();
        var probe = host.Services.GetRequiredService<SchemaProbe>();
        await host.StopAsync();

        probe.PaymentsRowsAtStart.ShouldBe(0);
    }

    [Fact]
    public async Task Start_up_migration_retries_an_unreachable_database_until_its_timeout_then_fails_the_start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Services.AddPaymentsPersistence(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=payments;Password=payments;Timeout=2",
                ["Postgres:StartupTimeoutSeconds"] = "3",
            })
            .Build());
        using var host = builder.Build();
        var started = Stopwatch.StartNew();

        await Should.ThrowAsync<NpgsqlException>(() => host.StartAsync());

        // One retry interval (2 s) passed before giving up: the first failure was retried, not fatal.
        started.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
    }

    private static ServiceProvider Persistence(PostgresDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPaymentsPersistence(database.Configuration());
        return services.BuildServiceProvider(true);
    }

    private sealed class SchemaProbe(IDbContextFactory<PaymentsDbContext> factory) : IHostedService
    {
        public int? PaymentsRowsAtStart { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            PaymentsRowsAtStart = await db.Payments.CountAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
