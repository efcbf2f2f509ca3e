using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Payments.CircuitBreaker;
using Payments.Consumer.Reconciliation;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Reconciliation;

/// <summary>The reconciler's sweep on real PostgreSQL: what it hands back, what it leaves, and how two instances share the work.</summary>
public sealed class PaymentReconcilerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private PostgresDatabase _database = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateMigratedAsync();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(_database.Configuration());
        services.AddPaymentsPersistence(_database.Configuration());
        services.AddCircuitBreakers(_database.Configuration());
        services.AddPaymentReconciler();
        services.AddMassTransitTestHarness();
        _services = services.BuildServiceProvider(validateScopes: true);
        await _services.GetRequiredService<ITestHarness>().Start();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private PaymentReconciler Reconciler => _services.GetRequiredService<PaymentReconciler>();

    [Fact]
    public async Task A_pass_hands_back_intents_past_their_deadline_and_verifications_overdue_by_the_stale_time_only()
    {
        var expired = await StoreAsync(PaymentStatuses.AwaitingTransaction, expiresAt: Now.AddSeconds(-1));
        var waiting = await StoreAsync(PaymentStatuses.AwaitingTransaction, expiresAt: Now.AddMinutes(1));
        var stale = await StoreAsync(PaymentStatuses.Verifying, dueAt: Now.AddMinutes(-5).AddSeconds(-1));
        var working = await StoreAsync(PaymentStatuses.Verifying, dueAt: Now.AddMinutes(-4));
        await StoreAsync(PaymentStatuses.Confirmed, expiresAt: Now.AddHours(-1), dueAt: Now.AddHours(-1));
        await StoreAsync(PaymentStatuses.NeedsReview, expiresAt: Now.AddHours(-1), dueAt: Now.AddHours(-1));

        var (expiredCount, overdueCount) = await Reconciler.SweepAsync(CancellationToken.None);

        (expiredCount, overdueCount).ShouldBe((1, 1));
        var handedBack = await PublishedAsync(2);
        handedBack.ShouldBe(new[] { expired, stale }.Order());
        handedBack.ShouldNotContain(waiting);
        handedBack.ShouldNotContain(working);
    }

    [Fact]
    public async Task Overdue_verifications_are_left_alone_while_the_portal_breaker_is_not_closed()
    {
        await StoreAsync(PaymentStatuses.Verifying, dueAt: Now.AddHours(-1));
        var expired = await StoreAsync(PaymentStatuses.AwaitingTransaction, expiresAt: Now.AddHours(-1));
        _services.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal).Isolate();

        var counts = await Reconciler.SweepAsync(CancellationToken.None);

        counts.ShouldBe((1, 0));
        (await PublishedAsync(1)).ShouldBe([expired]);
    }

    [Fact]
    public async Task Rows_another_reconciler_holds_are_skipped_not_waited_for()
    {
        var held = await StoreAsync(PaymentStatuses.AwaitingTransaction, expiresAt: Now.AddMinutes(-2));
        var free = await StoreAsync(PaymentStatuses.AwaitingTransaction, expiresAt: Now.AddMinutes(-1));

        await using var other = _database.CreateDbContext();
        await using var transaction = await other.Database.BeginTransactionAsync();
        (await StuckPayments.LockExpiredAsync(other, Now, limit: 1, CancellationToken.None)).ShouldBe([held]);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var counts = await Reconciler.SweepAsync(timeout.Token);

        counts.ShouldBe((1, 0));
        (await PublishedAsync(1)).ShouldBe([free]);
    }

    private async Task<Guid[]> PublishedAsync(int expected)
    {
        var harness = _services.GetRequiredService<ITestHarness>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        (await harness.Published.Any<ReconcilePayment>(timeout.Token)).ShouldBeTrue();
        var ids = harness.Published.Select<ReconcilePayment>(new CancellationToken(canceled: true))
            .Select(x => x.Context.Message.PaymentId)
            .Order()
            .ToArray();
        ids.Length.ShouldBe(expected);
        return ids;
    }

    private async Task<Guid> StoreAsync(string state, DateTimeOffset? expiresAt = null, DateTimeOffset? dueAt = null)
    {
        var id = NewId.NextGuid();
        await using var db = _database.CreateDbContext();
        db.Payments.Add(new PaymentState
        {
            CorrelationId = id,
            CurrentState = state,
            Reference = id.ToString("N"),
            UserId = "user-1",
            Recipient = "0x" + new string('a', 40),
            Token = "USDC",
            Amount = "1500000",
            TransactionId = state == PaymentStatuses.AwaitingTransaction ? null : "0x" + id.ToString("N") + id.ToString("N"),
            CreatedAt = Now.AddHours(-2),
            UpdatedAt = Now.AddHours(-2),
            ExpiresAt = expiresAt ?? Now.AddMinutes(-20),
            VerificationDueAt = dueAt,
        });
        await db.SaveChangesAsync();
        return id;
    }
}
