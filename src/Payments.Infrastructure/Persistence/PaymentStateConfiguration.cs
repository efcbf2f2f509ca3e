using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Payments.Infrastructure.Persistence;

/// <summary>Maps <see cref="PaymentState"/> to the <c>payments</c> table (columns are snake_cased by the context).</summary>
internal sealed class PaymentStateConfiguration : IEntityTypeConfiguration<PaymentState>
{
    public const string TableName = "payments";
    public const string PrimaryKeyName = "pk_payments";
    public const string TransactionIdIndexName = "ix_payments_transaction_id";
    public const string ConfirmedTransactionIdIndexName = "ux_payments_confirmed_transaction_id";
    public const string VerifyingDueIndexName = "ix_payments_verifying_due";
    public const string AwaitingExpiresIndexName = "ix_payments_awaiting_expires";
    public const string CurrentStateIndexName = "ix_payments_current_state";

    // Bounds are the widest legitimate values plus headroom: an over-long value is a bug upstream, not data to keep.
    public const int StateLength = 32;
    public const int ReferenceLength = 32;
    public const int UserIdLength = 256;
    public const int ClientIdLength = 64;
    public const int AddressLength = 42;
    public const int TokenLength = 16;

    // uint256 has at most 78 decimal digits.
    public const int AmountLength = 80;

    // 0x + 64 hex digits.
    public const int HashLength = 66;
    public const int RawStatusLength = 32;
    public const int LastErrorLength = 2048;
    public const int ReviewReasonLength = 32;
    public const int ResolutionLength = 16;
    public const int ResolutionNoteLength = 1000;

    public void Configure(EntityTypeBuilder<PaymentState> builder)
    {
        builder.ToTable(TableName);

        builder.HasKey(x => x.CorrelationId).HasName(PrimaryKeyName);
        builder.Property(x => x.CorrelationId).ValueGeneratedNever();

        builder.Property(x => x.CurrentState).HasMaxLength(StateLength).IsRequired();
        builder.Property(x => x.Reference).HasMaxLength(ReferenceLength).IsRequired();
        builder.Property(x => x.UserId).HasMaxLength(UserIdLength).IsRequired();
        // Intents created before clients existed belong to the client of unnamed keys.
        builder.Property(x => x.ClientId).HasMaxLength(ClientIdLength).IsRequired().HasDefaultValue(Contracts.InitiatePayment.DefaultClient);
        builder.Property(x => x.Recipient).HasMaxLength(AddressLength).IsRequired();
        builder.Property(x => x.Token).HasMaxLength(TokenLength).IsRequired();
        builder.Property(x => x.Amount).HasMaxLength(AmountLength).IsRequired();
        builder.Property(x => x.TransactionId).HasMaxLength(HashLength);
        builder.Property(x => x.TransactionHash).HasMaxLength(HashLength);
        builder.Property(x => x.RawPortalStatus).HasMaxLength(RawStatusLength);
        builder.Property(x => x.LastError).HasMaxLength(LastErrorLength);
        builder.Property(x => x.ReviewReason).HasMaxLength(ReviewReasonLength);
        builder.Property(x => x.Resolution).HasMaxLength(ResolutionLength);
        builder.Property(x => x.ResolutionNote).HasMaxLength(ResolutionNoteLength);

        builder.Property(x => x.CreatedAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.UpdatedAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.ConfirmedAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.ExpiresAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.FirstCheckedAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.VerificationDueAt).HasColumnType("timestamp with time zone");
        builder.Property(x => x.ResolvedAt).HasColumnType("timestamp with time zone");

        // A transaction belongs to the intent whose reference the portal reports, so a submission to the wrong intent must
        // not claim it: any number of intents may be verifying one transaction id, and the uniqueness that matters (one
        // transaction confirms at most one intent) is enforced on confirmed rows only.
        builder.HasIndex(x => x.TransactionId, TransactionIdIndexName)
            .HasFilter("transaction_id IS NOT NULL");
        builder.HasIndex(x => x.TransactionId, ConfirmedTransactionIdIndexName)
            .IsUnique()
            .HasFilter("transaction_id IS NOT NULL AND current_state = 'Confirmed'");

        // What the reconciler sweeps: verifying intents by due time, waiting intents by deadline.
        builder.HasIndex(x => x.VerificationDueAt, VerifyingDueIndexName)
            .HasFilter("current_state = 'Verifying'");
        builder.HasIndex(x => x.ExpiresAt, AwaitingExpiresIndexName)
            .HasFilter("current_state = 'AwaitingTransaction'");

        // The status counts, and the operators' review list in creation order.
        builder.HasIndex(x => new { x.CurrentState, x.CreatedAt, x.CorrelationId }, CurrentStateIndexName);
    }
}
