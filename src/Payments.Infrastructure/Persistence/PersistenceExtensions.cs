using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Hosting;

namespace Payments.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    /// <summary>EF Core's history table, snake_cased like the rest of the schema.</summary>
    public const string MigrationsHistoryTable = "__ef_migrations_history";

    /// <summary>
    /// Registers <see cref="PaymentsDbContext"/> (a pooled <see cref="IDbContextFactory{TContext}"/> plus a scoped context made
    /// from it), the <c>Postgres</c> options, a readiness check and, unless <c>Postgres:MigrateOnStartup</c> is false, the
    /// start-up migration.
    /// </summary>
    public static IServiceCollection AddPaymentsPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound from the configuration passed in rather than BindConfiguration: hosts and tests that build a bare
        // ServiceCollection have no IConfiguration registered.
        services.AddOptions<PostgresOptions>()
            .Bind(configuration.GetSection(PostgresOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);

        services.AddPooledDbContextFactory<PaymentsDbContext>((provider, options) =>
        {
            var postgres = provider.GetRequiredService<IOptions<PostgresOptions>>().Value;
            // No retrying execution strategy: the saga repository owns its transactions, and a retried message is
            // the retry unit, not a retried statement.
            options.UseNpgsql(postgres.ConnectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable));
        });
        services.TryAddScoped(provider => provider.GetRequiredService<IDbContextFactory<PaymentsDbContext>>().CreateDbContext());

        services.AddHealthChecks().AddDbContextCheck<PaymentsDbContext>("postgres", tags: [ServiceDefaults.ReadyTag]);

        var migrateOnStartup = configuration.GetSection(PostgresOptions.SectionName).GetValue(nameof(PostgresOptions.MigrateOnStartup), true);
        if (migrateOnStartup && !services.Any(d => d.ImplementationType == typeof(DatabaseMigrationService)))
        {
            // Hosted services start one after the other in registration order; first place means the schema is there
            // before MassTransit's bus (registered by AddMassTransit, whenever that is called) starts consuming.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService>());
        }

        return services;
    }

    /// <summary>
    /// Applies every pending migration (creating the database if it does not exist). Idempotent; concurrent callers are
    /// serialised by EF Core's migration lock.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<PaymentsDbContext>>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PersistenceExtensions).FullName!);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            Log.DatabaseUpToDate(logger);
            return;
        }

        await db.Database.MigrateAsync(cancellationToken);
        Log.MigrationsApplied(logger, pending.Count, pending[^1]);
    }
}
