using Microsoft.EntityFrameworkCore;

namespace Payments.Api.Idempotency;

/// <summary>
/// The API's own tables, in the schema <see cref="Schema"/> that the API's database role owns; the saga's tables belong to the
/// worker's role and the API only reads them. Migrated by the API itself at start-up (<see cref="IdempotencyRegistration.AddIdempotency"/>).
/// </summary>
internal sealed class IdempotencyDbContext(DbContextOptions<IdempotencyDbContext> options) : DbContext(options)
{
    public const string Schema = "api";
    public const string TableName = "idempotency_keys";

    /// <summary>The table as SQL names it.</summary>
    public const string QualifiedTableName = Schema + "." + TableName;
    public const string MigrationsHistoryTable = "__ef_migrations_history";
    public const int KeyLength = 255;
    public const int ClientIdLength = 64;
    public const int StatusLength = 32;

    public DbSet<IdempotencyRecord> Keys => Set<IdempotencyRecord>();

    /// <summary>
    /// What the key store throws while its database cannot be reached (down, restarting, too slow): a reason to answer 503 or
    /// try again later, not a fault.
    /// </summary>
    public static bool IsUnreachable(Exception exception) => exception is Npgsql.NpgsqlException or TimeoutException;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<IdempotencyRecord>(entity =>
        {
            entity.ToTable(TableName);
            entity.HasKey(x => new { x.ClientId, x.IdempotencyKey }).HasName("pk_idempotency_keys");
            entity.Property(x => x.ClientId).HasColumnName("client_id").HasMaxLength(ClientIdLength);
            entity.Property(x => x.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(KeyLength);
            entity.Property(x => x.RequestHash).HasColumnName("request_hash").IsRequired();
            entity.Property(x => x.PaymentId).HasColumnName("payment_id");
            entity.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone");
            entity.Property(x => x.ExpiresAt).HasColumnName("expires_at").HasColumnType("timestamp with time zone");
            entity.Property(x => x.IntentStatus).HasColumnName("intent_status").HasMaxLength(StatusLength);
            entity.Property(x => x.IntentExpiresAt).HasColumnName("intent_expires_at").HasColumnType("timestamp with time zone");

            // What the sweeper deletes.
            entity.HasIndex(x => x.ExpiresAt).HasDatabaseName("ix_idempotency_keys_expires_at");
        });
    }
}
