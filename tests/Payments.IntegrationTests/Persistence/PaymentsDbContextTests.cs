using Microsoft.EntityFrameworkCore;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

public sealed class PaymentsDbContextTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private readonly PostgresDatabase _database = fixture.Database;

    [Fact]
    public async Task A_payment_round_trips_with_every_field_and_utc_timestamps()
    {
        var created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var state = NewState();
        state.CreatedAt = created;
        state.UpdatedAt = created.AddSeconds(1);
        state.ConfirmedAt = created.AddSeconds(2);
        state.ExpiresAt = created.AddMinutes(15);
        state.TransactionId = "0x" + new string('1', 64);
        state.TransactionHash = "0x" + new string('2', 64);
        state.RawPortalStatus = "mined";
        state.VerificationAttempts = 3;
        state.CircuitDeferrals = 4;
        state.PendingChecks = 5;
        state.ExpiryTokenId = Guid.NewGuid();
        await SaveAsync(state);

        await using var db = _database.CreateDbContext();
        var read = await db.Payments.AsNoTracking().SingleAsync(x => x.CorrelationId == state.CorrelationId);

        read.ShouldBeEquivalentTo(state);
        read.CreatedAt.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_transaction_id_cannot_confirm_two_payments()
    {
        var transactionId = "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var first = NewState();
        first.TransactionId = transactionId;
        first.CurrentState = PaymentStatuses.Confirmed;
        await SaveAsync(first);
        var second = NewState();
        second.TransactionId = transactionId;
        second.CurrentState = PaymentStatuses.Confirmed;

        var exception = await Should.ThrowAsync<DbUpdateException>(() => SaveAsync(second));

        exception.InnerException.ShouldBeOfType<Npgsql.PostgresException>().ConstraintName.ShouldBe("ux_payments_confirmed_transaction_id");
    }

    [Theory]
    [InlineData(PaymentStatuses.Verifying)]
    [InlineData(PaymentStatuses.Failed)]
    [InlineData(PaymentStatuses.NeedsReview)]
    public async Task A_transaction_id_confirming_one_payment_may_be_stored_on_others_that_are_not_confirmed(string state)
    {
        var transactionId = "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var confirmed = NewState();
        confirmed.TransactionId = transactionId;
        confirmed.CurrentState = PaymentStatuses.Confirmed;
        await SaveAsync(confirmed);
        var other = NewState();
        other.TransactionId = transactionId;
        other.CurrentState = state;

        await SaveAsync(other);

        (await _database.ScalarAsync<long>($"SELECT count(*) FROM payments WHERE transaction_id = '{transactionId}'")).ShouldBe(2);
    }

    [Fact]
    public async Task A_failed_insert_inside_a_transaction_leaves_the_transaction_usable()
    {
        // The saga repository's Insert relies on this: EF Core rolls a failed SaveChanges back to a savepoint, so the
        // PostgreSQL transaction is not left aborted for the Load that follows.
        var existing = NewState();
        await SaveAsync(existing);
        await using var db = _database.CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var duplicate = NewState();
        duplicate.CorrelationId = existing.CorrelationId;
        var entry = db.Payments.Add(duplicate);

        await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync());
        entry.State = EntityState.Detached;
        var loaded = await db.Payments.SingleAsync(x => x.CorrelationId == existing.CorrelationId);
        loaded.UserId = "after-the-failed-insert";
        await db.SaveChangesAsync();
        await transaction.CommitAsync();

        (await _database.ScalarAsync<string>(
            $"SELECT user_id FROM payments WHERE correlation_id = {Eventually.Literal(existing.CorrelationId)}")).ShouldBe("after-the-failed-insert");
    }

    [Fact]
    public async Task Payments_without_a_transaction_id_do_not_compete_for_the_unique_index()
    {
        await SaveAsync(NewState());
        await SaveAsync(NewState());

        (await _database.CountAsync("transaction_id IS NULL")).ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task An_over_long_last_error_is_cut_to_the_column_size_instead_of_failing_the_save()
    {
        var state = NewState();
        state.LastError = new string('x', 5000);
        await SaveAsync(state);

        var stored = await _database.ScalarAsync<string>(
            $"SELECT last_error FROM payments WHERE correlation_id = {Eventually.Literal(state.CorrelationId)}");

        stored.Length.ShouldBe(2048);
    }

    private async Task SaveAsync(PaymentState state)
    {
        await using var db = _database.CreateDbContext();
        db.Payments.Add(state);
        await db.SaveChangesAsync();
    }

    private static PaymentState NewState()
    {
        var id = Guid.NewGuid();
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new PaymentState
        {
            CorrelationId = id,
            CurrentState = "AwaitingTransaction",
            Reference = id.ToString("N"),
            UserId = "user-1",
            Recipient = "0x" + new string('b', 40),
            Token = "USDC",
            Amount = "2500000",
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now.AddMinutes(15),
        };
    }
}
