using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Payments.Infrastructure.Persistence;

/// <summary>
/// Migrates the schema of <typeparamref name="TContext"/> when the host starts; registered first so that it runs before the
/// bus starts.
/// </summary>
public sealed class DatabaseMigrationService<TContext>(
    IServiceProvider services,
    IOptions<PostgresOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseMigrationService<TContext>> logger) : IHostedService
    where TContext : DbContext
{
    private static readonly TimeSpan _retryInterval = TimeSpan.FromSeconds(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // PostgreSQL may still be starting (compose, a reboot): wait for it a bounded time, then fail the start-up.
        var deadline = timeProvider.GetUtcNow().AddSeconds(options.Value.StartupTimeoutSeconds);
        while (true)
        {
            try
            {
                await services.MigrateDatabaseAsync<TContext>(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && timeProvider.GetUtcNow() + _retryInterval < deadline)
            {
                Log.DatabaseUnreachableAtStartup(logger, exception);
                await Task.Delay(_retryInterval, timeProvider, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
