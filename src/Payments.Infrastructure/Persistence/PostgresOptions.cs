using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Npgsql;

namespace Payments.Infrastructure.Persistence;

/// <summary>Configuration section <c>Postgres</c>.</summary>
public sealed class PostgresOptions
{
    public const string SectionName = "Postgres";

    /// <summary>The local database's password; refused outside Development (<see cref="PostgresDevelopmentGuard"/>).</summary>
    public const string DevelopmentPassword = "payments";

    public const string DefaultConnectionString = $"Host=localhost;Port=5432;Database=payments;Username=payments;Password={DevelopmentPassword}";

    [Required]
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>
    /// <paramref name="connectionString"/> with this service's pool settings wherever it does not set them itself:
    /// <c>No Reset On Close=true</c> (a connection going back to the pool is not sent <c>DISCARD ALL</c>, one statement and
    /// one transaction per use, which also dropped every prepared statement) and <c>Max Auto Prepare=32</c> (a statement run
    /// five times on a connection is prepared there and only bound afterwards). No code here leaves session state behind: the
    /// saga's advisory locks end with their transaction, and the migration's session lock is released explicitly.
    /// </summary>
    public static string Pooled(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var pooled = new NpgsqlConnectionStringBuilder(connectionString);
        if (!IsSet(given, "No Reset On Close", "NoResetOnClose"))
        {
            pooled.NoResetOnClose = true;
        }

        if (!IsSet(given, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            pooled.MaxAutoPrepare = 32;
        }

        return pooled.ConnectionString;

        static bool IsSet(DbConnectionStringBuilder given, params string[] names) => names.Any(given.ContainsKey);
    }

    /// <summary>
    /// Applies pending EF Core migrations when the host starts, before any other hosted service (MassTransit included).
    /// Turn off where a deployment step migrates instead.
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// How long the start-up migration keeps retrying while PostgreSQL is unreachable (it may start alongside the service).
    /// </summary>
    [Range(0, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 60;
}
