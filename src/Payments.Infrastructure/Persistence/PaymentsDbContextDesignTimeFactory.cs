using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Payments.Infrastructure.Persistence;

/// <summary>
/// Lets <c>dotnet ef</c> build the context from this project alone, so no startup project (API, consumer) takes part in
/// adding a migration. The connection string only matters for commands that touch a database (<c>database update</c>).
/// </summary>
internal sealed class PaymentsDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PaymentsDbContext>
{
    public PaymentsDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("Postgres__ConnectionString") ?? PostgresOptions.DefaultConnectionString;
        var options = new DbContextOptionsBuilder<PaymentsDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(PersistenceExtensions.MigrationsHistoryTable))
            .Options;
        return new PaymentsDbContext(options);
    }
}
