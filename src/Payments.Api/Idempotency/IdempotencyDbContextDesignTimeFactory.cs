using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Idempotency;

/// <summary>Lets <c>dotnet ef</c> build the context from this project alone when a migration is added.</summary>
internal sealed class IdempotencyDbContextDesignTimeFactory : IDesignTimeDbContextFactory<IdempotencyDbContext>
{
    public IdempotencyDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("Postgres__ConnectionString") ?? PostgresOptions.DefaultConnectionString;
        var options = new DbContextOptionsBuilder<IdempotencyDbContext>();
        IdempotencyRegistration.Configure(options, connectionString);
        return new IdempotencyDbContext(options.Options);
    }
}
