using System.ComponentModel.DataAnnotations;

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
