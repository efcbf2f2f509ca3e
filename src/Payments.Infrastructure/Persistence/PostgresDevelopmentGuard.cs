using Microsoft.Extensions.Hosting;
using Npgsql;
using Payments.Infrastructure.Hosting;

namespace Payments.Infrastructure.Persistence;

/// <summary>Outside Development, refuses a connection string that still carries the local database password.</summary>
internal sealed class PostgresDevelopmentGuard(IHostEnvironment? environment = null)
    : DevelopmentDefaultsGuard<PostgresOptions>(environment)
{
    private const string Setting = $"{PostgresOptions.SectionName}:{nameof(PostgresOptions.ConnectionString)}";

    protected override IEnumerable<string> Violations(PostgresOptions options)
    {
        string? password;
        try
        {
            password = new NpgsqlConnectionStringBuilder(options.ConnectionString).Password;
        }
        catch (ArgumentException)
        {
            // The parser's message quotes the offending part, which may be the password itself.
            return [$"{Setting} is not a valid PostgreSQL connection string."];
        }

        return string.Equals(password, PostgresOptions.DevelopmentPassword, StringComparison.Ordinal)
            ? [StillDevelopmentDefault($"the password in {Setting}")]
            : [];
    }
}
