using Microsoft.Extensions.DependencyInjection;
using Payments.Api.Validation;
using Payments.Api.Payments;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Api;

/// <summary>
/// What the operators' routes read, on real PostgreSQL: an intent of any client, a status in creation order one page at a
/// time, and the latest webhook event of a whole page in one query. Each test lists a status of its own (the class shares
/// one database).
/// </summary>
public sealed class ReviewReaderTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services = EfPaymentReaderTests.BuildServices(fixture.Database);

    private IPaymentReader Reader => _services.GetRequiredService<IPaymentReader>();

    [Fact]
    public async Task Finds_an_intent_whichever_client_it_belongs_to()
    {
        var mine = await StoreAsync(PaymentStatuses.AwaitingTransaction, T0, clientId: "client-a");
        var theirs = await StoreAsync(PaymentStatuses.AwaitingTransaction, T0, clientId: "client-b");

        (await Reader.FindOfAnyClientAsync(mine.CorrelationId, CancellationToken.None))!.ClientId.ShouldBe("client-a");
        (await Reader.FindOfAnyClientAsync(theirs.CorrelationId, CancellationToken.None))!.ClientId.ShouldBe("client-b");
        (await Reader.FindOfAnyClientAsync(Guid.NewGuid(), CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Lists_a_status_oldest_first_with_the_id_breaking_ties_as_the_page_positions_compare()
    {
        // Random (version 4) ids, several sharing a creation time to the microsecond: PostgreSQL's uuid order must be the
        // order Guid.CompareTo gives, or a position would skip or repeat rows.
        var stored = new List<PaymentState>();
        for (var i = 0; i < 12; i++)
        {
            stored.Add(await StoreAsync(PaymentStatuses.NeedsReview, T0.AddTicks(10 * (i % 3)), id: Guid.NewGuid()));
        }

        await StoreAsync(PaymentStatuses.Confirmed, T0);
        var expected = stored.OrderBy(p => p.CreatedAt).ThenBy(p => p.CorrelationId).Select(p => p.CorrelationId).ToList();

        var all = await Reader.ListByStatusAsync(PaymentStatuses.NeedsReview, null, 100, CancellationToken.None);

        all.Select(p => p.CorrelationId).ShouldBe(expected);
        all.ShouldAllBe(p => p.CurrentState == PaymentStatuses.NeedsReview);
        for (var i = 0; i < all.Count; i++)
        {
            var rest = await Reader.ListByStatusAsync(PaymentStatuses.NeedsReview, new ListPosition(all[i].CreatedAt, all[i].CorrelationId), 100, CancellationToken.None);
            rest.Select(p => p.CorrelationId).ShouldBe(expected.Skip(i + 1), $"after position {i}");
        }
    }

    [Fact]
    public async Task Pages_by_count_and_position_to_the_end_without_repeating_a_row()
    {
        var stored = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            stored.Add((await StoreAsync(PaymentStatuses.Refunded, T0.AddSeconds(i))).CorrelationId);
        }

        var seen = new List<Guid>();
        ListPosition? after = null;
        while (true)
        {
            var page = await Reader.ListByStatusAsync(PaymentStatuses.Refunded, after, 3, CancellationToken.None);
            seen.AddRange(page.Select(p => p.CorrelationId));
            if (page.Count < 3)
            {
                break;
            }

            after = new ListPosition(page[^1].CreatedAt, page[^1].CorrelationId);
        }

        seen.ShouldBe(stored);
    }

    [Fact]
    public async Task Reads_the_latest_webhook_event_of_each_intent_of_a_page_at_once()
    {
        var twice = await StoreAsync(PaymentStatuses.Failed, T0);
        var once = await StoreAsync(PaymentStatuses.Failed, T0);
        var never = await StoreAsync(PaymentStatuses.Failed, T0);
        var older = await StoreEventAsync(twice, WebhookEventTypes.NeedsReview, T0.AddMinutes(1));
        var newest = await StoreEventAsync(twice, WebhookEventTypes.Resolved, T0.AddMinutes(2));
        var only = await StoreEventAsync(once, WebhookEventTypes.Failed, T0.AddMinutes(1));

        var latest = await Reader.FindLatestWebhookEventsAsync([twice.CorrelationId, once.CorrelationId, never.CorrelationId], CancellationToken.None);

        latest.Keys.ShouldBe([twice.CorrelationId, once.CorrelationId], ignoreOrder: true);
        latest[twice.CorrelationId].Id.ShouldBe(newest.Id);
        latest[twice.CorrelationId].Id.ShouldNotBe(older.Id);
        latest[once.CorrelationId].Id.ShouldBe(only.Id);
        latest[twice.CorrelationId].Id.ShouldBe((await Reader.FindLatestWebhookEventAsync(twice.CorrelationId, CancellationToken.None))!.Id);
        (await Reader.FindLatestWebhookEventsAsync([], CancellationToken.None)).ShouldBeEmpty();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private async Task<PaymentState> StoreAsync(string status, DateTimeOffset createdAt, string clientId = "client-a", Guid? id = null)
    {
        var paymentId = id ?? Guid.CreateVersion7();
        var state = new PaymentState
        {
            CorrelationId = paymentId,
            CurrentState = status,
            Reference = paymentId.ToString("N"),
            UserId = "user-review",
            ClientId = clientId,
            Recipient = "0x" + new string('a', 40),
            Token = "USDC",
            Amount = "1500000",
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
            ExpiresAt = createdAt.AddMinutes(15),
        };
        await using var db = fixture.Database.CreateDbContext();
        db.Payments.Add(state);
        await db.SaveChangesAsync();
        return state;
    }

    private async Task<WebhookEvent> StoreEventAsync(PaymentState payment, string type, DateTimeOffset createdAt)
    {
        var webhookEvent = new WebhookEvent
        {
            Id = Guid.CreateVersion7(),
            PaymentId = payment.CorrelationId,
            ClientId = payment.ClientId,
            Type = type,
            Body = "{}",
            CreatedAt = createdAt,
            NextAttemptAt = createdAt,
            RetryUntil = createdAt.AddDays(3),
        };
        await using var db = fixture.Database.CreateDbContext();
        db.WebhookEvents.Add(webhookEvent);
        await db.SaveChangesAsync();
        return webhookEvent;
    }
}
