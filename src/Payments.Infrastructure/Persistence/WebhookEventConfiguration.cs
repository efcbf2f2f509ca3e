using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Payments.Infrastructure.Persistence;

/// <summary>Maps <see cref="WebhookEvent"/> to the <c>webhook_events</c> table (columns are snake_cased by the context).</summary>
internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public const string TableName = "webhook_events";
    public const string PrimaryKeyName = "pk_webhook_events";
    public const string PaymentIndexName = "ix_webhook_events_payment";
    public const string PendingDueIndexName = "ix_webhook_events_pending_due";
    public const string UndeliveredIndexName = "ix_webhook_events_undelivered";

    public const int TypeLength = 32;
    public const int StatusLength = 16;

    public void Configure(EntityTypeBuilder<WebhookEvent> builder)
    {
        builder.ToTable(TableName);

        builder.HasKey(x => x.Id).HasName(PrimaryKeyName);
        builder.Property(x => x.Id).ValueGeneratedNever();

        builder.Property(x => x.ClientId).HasMaxLength(PaymentStateConfiguration.ClientIdLength).IsRequired();
        builder.Property(x => x.Type).HasMaxLength(TypeLength).IsRequired();
        builder.Property(x => x.Body).IsRequired();
        builder.Property(x => x.Status).HasMaxLength(StatusLength).IsRequired();
        builder.Property(x => x.LastError).HasMaxLength(WebhookEvent.LastErrorLength);

        builder.Property(x => x.CreatedAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.NextAttemptAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.RetryUntil).HasColumnType("timestamp with time zone");
        builder.Property(x => x.LastAttemptAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.DeliveredAt).HasColumnType("timestamp with time zone");

        // The status document shows an intent's latest event.
        builder.HasIndex(x => new { x.PaymentId, x.CreatedAt }, PaymentIndexName);

        // What the sweeper looks for (pending events whose command is overdue) and what operators list.
        builder.HasIndex(x => x.NextAttemptAt, PendingDueIndexName)
            .HasFilter("status = 'pending'");
        builder.HasIndex(x => new { x.CreatedAt, x.Id }, UndeliveredIndexName)
            .HasFilter("status = 'undelivered'");
    }
}
