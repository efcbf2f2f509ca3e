using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Payments.Api.Validation;
using Payments.Api.Auth;
using Payments.Api.Idempotency;
using Payments.Api.Payments;
using Payments.Api.Webhooks;
using Payments.Consumer.Tests.Testing;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Tests.Testing;

/// <summary>
/// The API on a test server: MassTransit's in-memory harness instead of RabbitMQ (so <see cref="Harness"/> shows what was
/// published) and an in-memory <see cref="IPaymentReader"/> instead of PostgreSQL.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-client-key";
    public const string SecondApiKey = "second-client-key";

    /// <summary>A key of another client, <see cref="OtherClient"/>.</summary>
    public const string OtherClientKey = "other-client-key";
    public const string OtherClient = "other";

    internal FakePaymentReader Reader { get; } = new();

    internal FakeIdempotencyStore Idempotency { get; } = new();

    internal FakeWebhookEventReader WebhookEvents { get; } = new();

    /// <summary>The per-client limit; high by default so that no other test is throttled.</summary>
    protected virtual (int PermitsPerSecond, int Burst) RateLimit => (100_000, 100_000);

    /// <summary>How the stand-in saga treats <see cref="InitiatePayment"/>.</summary>
    protected virtual SagaBehaviour Saga => SagaBehaviour.Answers;

    protected virtual TimeSpan InitiateTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Publishes the broker never confirms (<see cref="UnconfirmedPublishes"/>); none by default.</summary>
    protected virtual UnconfirmedPublishes? UnconfirmedPublishes => null;

    protected virtual TimeSpan ResolveTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Whether client keys are configured; without them the local default key applies.</summary>
    protected virtual bool ConfigureKeys => true;

    /// <summary>Development by default, where the development defaults of the other settings are accepted.</summary>
    protected virtual string EnvironmentName => Environments.Development;

    public ITestHarness Harness => Services.GetTestHarness();

    public HttpClient CreateAuthorizedClient(string key = ApiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A client with the admin key (the development default, which these tests leave configured).</summary>
    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyDefaults.AdminHeader, ApiKeyOptions.DevelopmentAdminKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        if (ConfigureKeys)
        {
            builder.UseSetting("Api:ApiKey", ApiKey);
            builder.UseSetting("Api:ApiKeys:0", SecondApiKey);
            builder.UseSetting($"Api:Clients:{OtherClient}:ApiKeys:0", OtherClientKey);
        }

        builder.UseSetting("Api:RateLimit:PermitsPerSecond", RateLimit.PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Api:RateLimit:Burst", RateLimit.Burst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Api:Idempotency:MigrateOnStartup", "false");

        // No database in these tests: the reader is faked, and nothing may migrate.
        builder.UseSetting("Postgres:MigrateOnStartup", "false");
        builder.UseSetting("Api:Payments:InitiateTimeout", InitiateTimeout.ToString("c"));
        builder.UseSetting("Api:Reviews:ResolveTimeout", ResolveTimeout.ToString("c"));
        builder.ConfigureTestServices(services =>
        {
            // The broker-delay topology is declared on real RabbitMQ at start-up; the harness needs none of it.
            foreach (var hosted in services.Where(d => d.ImplementationType?.Name is "BrokerDelayTopologyInitializer" or nameof(IdempotencyKeySweeper)).ToList())
            {
                services.Remove(hosted);
            }

            services.RemoveAll<IPaymentReader>();
            services.AddSingleton<IPaymentReader>(Reader);
            services.AddSingleton(Reader);
            services.RemoveAll<IIdempotencyStore>();
            services.AddSingleton<IIdempotencyStore>(Idempotency);
            services.RemoveAll<IWebhookEventReader>();
            services.AddSingleton<IWebhookEventReader>(WebhookEvents);
            services.AddMassTransitTestHarness(x =>
            {
                switch (Saga)
                {
                    case SagaBehaviour.Answers:
                        x.AddConsumer<AnsweringSaga>();
                        x.AddConsumer<ResolvingSaga>();
                        break;
                    case SagaBehaviour.Faults:
                        x.AddConsumer<FaultingSaga>();
                        x.AddConsumer<FaultingResolutions>();
                        break;
                }

                if (UnconfirmedPublishes is { } unconfirmed)
                {
                    x.AddSingleton(unconfirmed);
                    x.UsingInMemory((context, cfg) =>
                    {
                        cfg.UsePublishFilter(typeof(UnconfirmedPublishFilter<>), context);
                        cfg.ConfigureEndpoints(context);
                    });
                }
            });
        });
    }

    internal static readonly DateTimeOffset ExpiresAt = new(2026, 1, 1, 0, 15, 0, TimeSpan.Zero);

    /// <summary>Stores the intent in the reader, as the saga stores its row, and answers initiation from it.</summary>
    private sealed class AnsweringSaga(FakePaymentReader reader) : IConsumer<InitiatePayment>
    {
        public Task Consume(ConsumeContext<InitiatePayment> context)
        {
            var row = reader.Store(context.Message, ExpiresAt);
            return context.RespondAsync(new PaymentInitiated(row.CorrelationId, row.Reference, row.CurrentState, row.ExpiresAt));
        }
    }

    /// <summary>Fails as a saga whose database is down: the request client receives a fault.</summary>
    private sealed class FaultingSaga : IConsumer<InitiatePayment>
    {
        public Task Consume(ConsumeContext<InitiatePayment> context) =>
            throw new InvalidOperationException("the saga store is unavailable");
    }

    internal static readonly DateTimeOffset ResolvedAt = new(2026, 1, 1, 1, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Resolves as the saga does, on the rows of <see cref="FakePaymentReader"/>: only from NeedsReview, and confirm only while
    /// no other intent is confirmed with the transaction; a missing intent gets no answer.
    /// </summary>
    private sealed class ResolvingSaga(FakePaymentReader reader) : IConsumer<ResolvePayment>
    {
        public async Task Consume(ConsumeContext<ResolvePayment> context)
        {
            var message = context.Message;
            var row = reader.Rows.SingleOrDefault(r => r.CorrelationId == message.PaymentId);
            if (row is null)
            {
                return;
            }

            var refusal = row.CurrentState != PaymentStatuses.NeedsReview
                ? $"The payment is {row.CurrentState}: only a NeedsReview payment can be resolved."
                : message.Resolution == Resolutions.Confirm && reader.Rows.Any(r =>
                    r.CorrelationId != row.CorrelationId && r.CurrentState == PaymentStatuses.Confirmed && r.TransactionId == row.TransactionId)
                    ? "The transaction already confirmed another payment: this one cannot be confirmed with it."
                    : null;
            if (refusal is not null)
            {
                await context.RespondAsync(new PaymentResolutionRefused(row.CorrelationId, row.Reference, row.CurrentState, refusal));
                return;
            }

            row.CurrentState = Resolutions.StatusOf(message.Resolution)!;
            row.Resolution = message.Resolution;
            row.ResolutionNote = message.Note;
            row.ResolvedAt = ResolvedAt;
            row.UpdatedAt = ResolvedAt;
            if (message.Resolution == Resolutions.Confirm)
            {
                row.ConfirmedAt = ResolvedAt;
            }

            await context.RespondAsync(new PaymentResolved(row.CorrelationId, row.Reference, row.CurrentState, row.Resolution, ResolvedAt));
        }
    }

    private sealed class FaultingResolutions : IConsumer<ResolvePayment>
    {
        public Task Consume(ConsumeContext<ResolvePayment> context) =>
            throw new InvalidOperationException("the saga store is unavailable");
    }
}

public enum SagaBehaviour
{
    Answers,
    Silent,
    Faults,
}

/// <summary>The API with a saga that faults every initiation.</summary>
public sealed class FaultingSagaApiFactory : ApiFactory
{
    protected override SagaBehaviour Saga => SagaBehaviour.Faults;
}

/// <summary>The API with no saga answering and short initiation and resolution timeouts.</summary>
public sealed class SilentSagaApiFactory : ApiFactory
{
    protected override SagaBehaviour Saga => SagaBehaviour.Silent;

    protected override TimeSpan InitiateTimeout => TimeSpan.FromMilliseconds(200);

    protected override TimeSpan ResolveTimeout => TimeSpan.FromMilliseconds(200);
}

/// <summary>The API whose submissions the broker never confirms, with a short publish deadline.</summary>
public sealed class UnconfirmedSubmissionsApiFactory : ApiFactory
{
    public const string PublishTimeout = "00:00:00.300";

    public UnconfirmedPublishes Unconfirmed { get; } = new(typeof(PaymentTransactionSubmitted), typeof(ControlCircuitBreaker));

    protected override UnconfirmedPublishes UnconfirmedPublishes => Unconfirmed;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("RabbitMq:PublishTimeout", PublishTimeout);
    }
}

/// <summary>The API with a per-client limit small enough to reach in a test.</summary>
public sealed class ThrottledApiFactory : ApiFactory
{
    public const int Burst = 3;

    protected override (int PermitsPerSecond, int Burst) RateLimit => (1, Burst);
}

/// <summary>
/// The API outside Development: every secret set to a value of its own (the guards refuse the development defaults), so the
/// OpenAPI document needs <see cref="AdminKey"/>.
/// </summary>
public sealed class ProductionApiFactory : ApiFactory
{
    public const string AdminKey = "test-admin-key";

    protected override string EnvironmentName => Environments.Production;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Api:AdminKey", AdminKey);
        builder.UseSetting("RabbitMq:Password", "test-broker-password");
        builder.UseSetting("Postgres:ConnectionString", "Host=localhost;Database=payments;Username=payments;Password=test-db-password");
    }
}

/// <summary>The API with no key configured at all, as on a developer machine.</summary>
public sealed class DefaultKeysApiFactory : ApiFactory
{
    protected override bool ConfigureKeys => false;
}

internal sealed class FakePaymentReader : IPaymentReader
{
    private readonly ConcurrentDictionary<Guid, PaymentState> _rows = new();

    public PaymentState Add(
        string status,
        string? transactionId = null,
        string token = "USDC",
        string amount = "1500000",
        string clientId = "default",
        DateTimeOffset? createdAt = null)
    {
        var id = Guid.NewGuid();
        var row = new PaymentState
        {
            CorrelationId = id,
            CurrentState = status,
            Reference = id.ToString("N"),
            UserId = "user-1",
            ClientId = clientId,
            Recipient = "0x" + new string('a', 40),
            Token = token,
            Amount = amount,
            TransactionId = transactionId,
            CreatedAt = createdAt ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            UpdatedAt = new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero),
            ExpiresAt = new DateTimeOffset(2026, 1, 1, 0, 15, 0, TimeSpan.Zero),
        };
        _rows[id] = row;
        return row;
    }

    /// <summary>The row the saga stores for an initiation (the first one wins, as with the real saga).</summary>
    public PaymentState Store(InitiatePayment initiation, DateTimeOffset expiresAt) =>
        _rows.GetOrAdd(initiation.PaymentId, id => new PaymentState
        {
            CorrelationId = id,
            CurrentState = PaymentStatuses.AwaitingTransaction,
            Reference = id.ToString("N"),
            UserId = initiation.UserId,
            ClientId = initiation.ClientId ?? InitiatePayment.DefaultClient,
            Recipient = initiation.Recipient.ToLowerInvariant(),
            Token = initiation.Token,
            Amount = initiation.Amount,
            CreatedAt = expiresAt.AddMinutes(-15),
            UpdatedAt = expiresAt.AddMinutes(-15),
            ExpiresAt = expiresAt,
        });

    /// <summary>Every stored row.</summary>
    public IEnumerable<PaymentState> Rows => _rows.Values;

    public Task<PaymentState?> FindAsync(Guid paymentId, string clientId, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.TryGetValue(paymentId, out var row) && row.ClientId == clientId ? row : null);

    public Task<PaymentState?> FindOfAnyClientAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.GetValueOrDefault(paymentId));

    /// <summary>How many listings were asked for (each is one query on the real reader).</summary>
    public int Listings => _listings;

    /// <summary>How many batch reads of webhook events were asked for.</summary>
    public int WebhookBatches => _webhookBatches;

    private int _listings;
    private int _webhookBatches;

    public Task<IReadOnlyList<PaymentState>> ListByStatusAsync(string status, ListPosition? after, int count, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _listings);
        // The order PostgreSQL gives: created_at, then the uuid byte by byte (which Guid.CompareTo follows).
        IReadOnlyList<PaymentState> page = [.. _rows.Values
            .Where(row => row.CurrentState == status)
            .Where(row => after is not { } position
                || row.CreatedAt > position.CreatedAt
                || (row.CreatedAt == position.CreatedAt && row.CorrelationId.CompareTo(position.Id) > 0))
            .OrderBy(row => row.CreatedAt)
            .ThenBy(row => row.CorrelationId)
            .Take(count)];
        return Task.FromResult(page);
    }

    /// <summary>The newest webhook event of each intent, as a test sets it.</summary>
    public ConcurrentDictionary<Guid, WebhookEvent> LatestEvents { get; } = new();

    public Task<WebhookEvent?> FindLatestWebhookEventAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Task.FromResult(LatestEvents.TryGetValue(paymentId, out var latest) ? latest : null);

    public Task<IReadOnlyDictionary<Guid, WebhookEvent>> FindLatestWebhookEventsAsync(IReadOnlyCollection<Guid> paymentIds, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _webhookBatches);
        IReadOnlyDictionary<Guid, WebhookEvent> found = paymentIds
            .Where(LatestEvents.ContainsKey)
            .ToDictionary(id => id, id => LatestEvents[id]);
        return Task.FromResult(found);
    }
}

/// <summary>The key store in memory, with the same rules as the PostgreSQL one.</summary>
internal sealed class FakeIdempotencyStore : IIdempotencyStore
{
    private readonly Dictionary<(string Client, string Key), IdempotencyRecord> _records = [];

    public int Claims { get; private set; }

    public Task<IdempotencyRecord> ClaimAsync(string clientId, string key, byte[] requestHash, Guid paymentId, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            Claims++;
            if (!_records.TryGetValue((clientId, key), out var record))
            {
                record = new IdempotencyRecord { ClientId = clientId, IdempotencyKey = key, RequestHash = requestHash, PaymentId = paymentId };
                _records[(clientId, key)] = record;
            }

            return Task.FromResult(new IdempotencyRecord
            {
                ClientId = clientId,
                IdempotencyKey = key,
                RequestHash = record.RequestHash,
                PaymentId = record.PaymentId,
                IntentStatus = record.IntentStatus,
                IntentExpiresAt = record.IntentExpiresAt,
            });
        }
    }
}

internal static class ProblemAssertions
{
    /// <summary>Asserts a problem+json answer with the given status and, when given, an entry in <c>errors</c> for the field.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string? field = null)
    {
        ((int)response.StatusCode).ShouldBe(status);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        if (field is not null)
        {
            problem.GetProperty("errors").TryGetProperty(field, out var messages).ShouldBeTrue($"errors should name '{field}': {problem}");
            messages.GetArrayLength().ShouldBeGreaterThan(0);
        }

        return problem;
    }
}

/// <summary>Webhook events in memory, listed in the order the PostgreSQL reader lists them.</summary>
internal sealed class FakeWebhookEventReader : IWebhookEventReader
{
    private readonly ConcurrentDictionary<Guid, WebhookEvent> _events = new();

    public WebhookEvent Add(string status, DateTimeOffset createdAt, string clientId = "default")
    {
        var webhookEvent = new WebhookEvent
        {
            Id = Guid.NewGuid(),
            PaymentId = Guid.NewGuid(),
            ClientId = clientId,
            Type = WebhookEventTypes.Confirmed,
            Body = "{}",
            CreatedAt = createdAt,
            Status = status,
            Attempts = 3,
            LastStatusCode = 503,
            LastError = "endpoint answered 503",
        };
        _events[webhookEvent.Id] = webhookEvent;
        return webhookEvent;
    }

    public Task<WebhookEvent?> FindAsync(Guid eventId, CancellationToken cancellationToken) =>
        Task.FromResult(_events.TryGetValue(eventId, out var found) ? found : null);

    public Task<IReadOnlyList<WebhookEvent>> ListAsync(
        string status, ListPosition? after, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<WebhookEvent>>(_events.Values
            .Where(e => e.Status == status)
            .Where(e => after is not { } position || e.CreatedAt > position.CreatedAt
                || (e.CreatedAt == position.CreatedAt && e.Id.CompareTo(position.Id) > 0))
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id)
            .Take(limit)
            .ToList());
}
