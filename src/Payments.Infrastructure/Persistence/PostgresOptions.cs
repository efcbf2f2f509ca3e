using System.ComponentModel.DataAnnotations;

namespace Payments.Infrastructure.Persistence;

/// <summary>Configuration section <c>Postgres</c>.</summary>
public sealed class PostgresOptions
{
    public const string SectionName = "Postgres";

    public const string DefaultConnectionString = "Host=localhost;Port=5432;Database=payments;Username=payments;Password=payments";

    [Required]
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>
    /// Applies pending EF Core migrations when the host starts, before any other hosted service (MassTransit included).
    /// Turn off where a deployment step migrates instead.
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;
}
