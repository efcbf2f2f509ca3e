using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresOptions>, PostgresDevelopmentGuard>());

        services.TryAddSingleton(TimeProvider.System);

        services.AddPooledDbContextFactory<PaymentsDbContext>((provider, options) =>
        {
            var postgres = provider.GetRequiredService<IOptions<PostgresOptions>>().Value;
            // No retrying execution strategy: the saga repository owns its transactions, and a retried message is
            // the retry unit, not a retried statement.
            options.UseNpgsql(PostgresOptions.Pooled(postgres.ConnectionString), npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable));
        });
        services.TryAddScoped(provider => provider.GetRequiredService<IDbContextFactory<PaymentsDbContext>>().CreateDbContext());

        services.AddHealthChecks().AddDbContextCheck<PaymentsDbContext>("postgres", tags: [ServiceDefaults.ReadyTag]);

        var migrateOnStartup = configuration.GetSection(PostgresOptions.SectionName).GetValue(nameof(PostgresOptions.MigrateOnStartup), true);
        if (migrateOnStartup && !services.Any(d => d.ImplementationType == typeof(DatabaseMigrationService<PaymentsDbContext>)))
        {
            // Hosted services start one after the other in registration order; first place means the schema is there
            // before MassTransit's bus (registered by AddMassTransit, whenever that is called) starts consuming.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService<PaymentsDbContext>>());
        }

        return services;
    }

    /// <summary>
    /// Applies every pending migration (creating the database if it does not exist). Idempotent; concurrent callers (the API
    /// and every consumer instance start at once) are serialised by a session advisory lock held across the whole run.
    /// </summary>
    /// <remarks>
    /// EF Core's own migration lock is taken per migration transaction: with two or more pending migrations, a second
    /// process can read the history before the first has written all of it, and apply a migration again.
    /// </remarks>
    public static Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.MigrateDatabaseAsync<PaymentsDbContext>(cancellationToken);

    /// <summary>
    /// As <see cref="MigrateDatabaseAsync(IServiceProvider, CancellationToken)"/>, for a context of another schema in the same
    /// database (the API's own tables), under the same lock.
    /// </summary>
    public static async Task MigrateDatabaseAsync<TContext>(this IServiceProvider services, CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        var factory = services.GetRequiredService<IDbContextFactory<TContext>>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PersistenceExtensions).FullName!);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await OpenCreatingDatabaseAsync(db, cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count == 0)
            {
                Log.DatabaseUpToDate(logger);
                return;
            }

            await db.Database.MigrateAsync(cancellationToken);
            Log.MigrationsApplied(logger, pending.Count, pending[^1]);
        }
        finally
        {
            // Closing the connection returns it to the pool with the session lock still held; unlock first.
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
            await db.Database.GetDbConnection().CloseAsync();
        }
    }

    // An arbitrary constant of this schema ("payments" in ASCII); saga locks hash correlation ids and may collide with it
    // only by waiting a moment.
    private const long MigrationLockKey = 0x7061796d656e7473;

    // The connection is opened directly rather than through EF Core, whose execution strategy would wrap an unreachable
    // server's NpgsqlException (which the start-up retry waits on) in an InvalidOperationException.
    private static async Task OpenCreatingDatabaseAsync(DbContext db, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return;
        }
        catch (Npgsql.PostgresException exception) when (exception.SqlState == Npgsql.PostgresErrorCodes.InvalidCatalogName)
        {
            // No database yet: create it below, then connect.
        }

        try
        {
            await db.GetService<IRelationalDatabaseCreator>().CreateAsync(cancellationToken);
        }
        catch (Npgsql.PostgresException exception) when (exception.SqlState == Npgsql.PostgresErrorCodes.DuplicateDatabase)
        {
            // Created by a concurrent start-up meanwhile.
        }

        await connection.OpenAsync(cancellationToken);
    }
}
