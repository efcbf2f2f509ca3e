using Microsoft.Extensions.Hosting;

namespace Payments.Infrastructure.Persistence;

/// <summary>Migrates the database when the host starts; registered first so that it runs before the bus starts.</summary>
internal sealed class DatabaseMigrationService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => services.MigrateDatabaseAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
