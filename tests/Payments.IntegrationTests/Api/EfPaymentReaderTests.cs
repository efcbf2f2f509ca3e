using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Api.Payments;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Api;

/// <summary>The API's read of saga rows, on real PostgreSQL.</summary>
public sealed class EfPaymentReaderTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private readonly ServiceProvider _services = BuildServices(fixture.Database);

    [Fact]
    public async Task Reads_a_stored_row_by_its_payment_id()
    {
        var state = await StoreAsync();

        var read = await Reader.FindAsync(state.CorrelationId, Owner, CancellationToken.None);

        read.ShouldNotBeNull();
        read.Reference.ShouldBe(state.Reference);
        read.CurrentState.ShouldBe(PaymentStatuses.AwaitingTransaction);
        read.Amount.ShouldBe("1500000000000000000");
        read.Recipient.ShouldBe(state.Recipient);
        read.ExpiresAt.ShouldBe(state.ExpiresAt);
    }

    [Fact]
    public async Task Answers_null_for_an_unknown_payment()
    {
        var read = await Reader.FindAsync(Guid.NewGuid(), Owner, CancellationToken.None);

        read.ShouldBeNull();
    }

    [Fact]
    public async Task Answers_null_for_another_clients_payment_as_for_an_unknown_one()
    {
        var state = await StoreAsync();

        var read = await Reader.FindAsync(state.CorrelationId, "client-b", CancellationToken.None);

        read.ShouldBeNull();
    }

    [Fact]
    public async Task A_row_stored_without_a_client_belongs_to_the_default_client()
    {
        var state = await StoreAsync(owner: null);

        (await Reader.FindAsync(state.CorrelationId, InitiatePayment.DefaultClient, CancellationToken.None)).ShouldNotBeNull();
        (await Reader.FindAsync(state.CorrelationId, Owner, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Sees_every_committed_change_because_nothing_is_tracked()
    {
        var state = await StoreAsync();
        (await Reader.FindAsync(state.CorrelationId, Owner, CancellationToken.None))!.CurrentState.ShouldBe(PaymentStatuses.AwaitingTransaction);

        await using (var db = fixture.Database.CreateDbContext())
        {
            var row = await db.Payments.FindAsync(state.CorrelationId);
            row!.CurrentState = PaymentStatuses.Verifying;
            row.TransactionId = "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
            await db.SaveChangesAsync();
        }

        var read = await Reader.FindAsync(state.CorrelationId, Owner, CancellationToken.None);
        read!.CurrentState.ShouldBe(PaymentStatuses.Verifying);
        read.TransactionId.ShouldNotBeNull();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private IPaymentReader Reader => _services.GetRequiredService<IPaymentReader>();

    private const string Owner = "client-a";

    private async Task<PaymentState> StoreAsync(string? owner = Owner)
    {
        var id = Guid.CreateVersion7();
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var state = new PaymentState
        {
            CorrelationId = id,
            CurrentState = PaymentStatuses.AwaitingTransaction,
            Reference = id.ToString("N"),
            UserId = "user-reader",
            ClientId = owner!,
            Recipient = "0x" + new string('a', 40),
            Token = "WLD",
            Amount = "1500000000000000000",
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now.AddMinutes(15),
        };
        await using var db = fixture.Database.CreateDbContext();
        db.Payments.Add(state);
        await db.SaveChangesAsync();
        return state;
    }

    /// <summary>The API's reader on <paramref name="database"/>, registered as the API registers it.</summary>
    internal static ServiceProvider BuildServices(PostgresDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddPaymentsPersistence(database.Configuration());
        services.AddSingleton<IPaymentReader, EfPaymentReader>();
        return services.BuildServiceProvider(validateScopes: true);
    }
}
