using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Idempotency;

internal static class IdempotencyRegistration
{
    /// <summary>
    /// Idempotent initiation: the key store on the API's own schema in the payments database (same connection string as the
    /// saga reads), its start-up migration unless <c>Api:Idempotency:MigrateOnStartup</c> is false, and the sweeper.
    /// </summary>
    public static IHostApplicationBuilder AddIdempotency(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddPooledDbContextFactory<IdempotencyDbContext>((provider, options) =>
            Configure(options, PostgresOptions.Pooled(provider.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString)));
        builder.Services.AddSingleton<IIdempotencyStore, PostgresIdempotencyStore>();
        builder.Services.AddHostedService<IdempotencyKeySweeper>();

        if (builder.Configuration.GetSection(IdempotencyOptions.Section).GetValue(nameof(IdempotencyOptions.MigrateOnStartup), true))
        {
            builder.Services.AddHostedService<DatabaseMigrationService<IdempotencyDbContext>>();
        }

        return builder;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(
            IdempotencyDbContext.MigrationsHistoryTable, IdempotencyDbContext.Schema));
}
