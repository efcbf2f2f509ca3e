using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Payments.Api.Idempotency;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Idempotency;

/// <summary>The key store on real PostgreSQL, in the API's own schema, migrated by the API's own migration.</summary>
public sealed class PostgresIdempotencyStoreTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private PostgresDatabase _database = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = _database.ConnectionString,
            ["Postgres:MigrateOnStartup"] = "false",
            ["Api:Idempotency:Retention"] = "1.00:00:00",
        });
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddPaymentsPersistence(builder.Configuration);
        builder.AddIdempotency();
        builder.Services.RemoveAll<TimeProvider>();
        builder.Services.AddSingleton<TimeProvider>(_time);
        _host = builder.Build();
        await _host.Services.MigrateDatabaseAsync<IdempotencyDbContext>();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _database.DisposeAsync();
    }

    private IIdempotencyStore Store => _host.Services.GetRequiredService<IIdempotencyStore>();

    private static readonly byte[] Hash = [1, 2, 3];

    /// <summary>Earlier versions of the API wrote the saga's first answer into the key row; such rows live out their retention.</summary>
    private async Task StoreAnswerAsEarlierVersionsDid(string client, string key, string status, DateTimeOffset expiresAt)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "UPDATE api.idempotency_keys SET intent_status = @status, intent_expires_at = @expires WHERE client_id = @client AND idempotency_key = @key",
            connection);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("expires", expiresAt);
        command.Parameters.AddWithValue("client", client);
        command.Parameters.AddWithValue("key", key);
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task The_migration_creates_the_table_in_the_api_schema_with_its_own_history()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'api' ORDER BY table_name", connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        tables.ShouldBe(["__ef_migrations_history", "idempotency_keys"]);
    }

    [Fact]
    public async Task A_first_claim_stores_the_payment_and_a_second_returns_it()
    {
        var payment = Guid.CreateVersion7();

        var first = await Store.ClaimAsync("shop", "k1", Hash, payment, CancellationToken.None);
        var second = await Store.ClaimAsync("shop", "k1", [9, 9], Guid.CreateVersion7(), CancellationToken.None);

        first.PaymentId.ShouldBe(payment);
        second.PaymentId.ShouldBe(payment);
        second.RequestHash.ShouldBe(Hash);
        second.IntentStatus.ShouldBeNull();
        second.ExpiresAt.ShouldBe(_time.GetUtcNow().AddDays(1));
    }

    [Fact]
    public async Task Keys_are_per_client()
    {
        var mine = await Store.ClaimAsync("shop", "same", Hash, Guid.CreateVersion7(), CancellationToken.None);
        var theirs = await Store.ClaimAsync("other", "same", Hash, Guid.CreateVersion7(), CancellationToken.None);

        theirs.PaymentId.ShouldNotBe(mine.PaymentId);
    }

    [Fact]
    public async Task Concurrent_first_claims_of_one_key_all_get_one_payment()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            Task.Run(() => Store.ClaimAsync("shop", "race", Hash, Guid.CreateVersion7(), CancellationToken.None))));

        claims.Select(c => c.PaymentId).Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task An_answer_stored_with_the_key_by_an_earlier_version_is_read_back()
    {
        var claim = await Store.ClaimAsync("shop", "answered", Hash, Guid.CreateVersion7(), CancellationToken.None);
        var expires = _time.GetUtcNow().AddMinutes(15);
        await StoreAnswerAsEarlierVersionsDid("shop", "answered", "AwaitingTransaction", expires);

        var stored = await Store.ClaimAsync("shop", "answered", Hash, Guid.CreateVersion7(), CancellationToken.None);

        stored.PaymentId.ShouldBe(claim.PaymentId);
        stored.IntentStatus.ShouldBe("AwaitingTransaction");
        stored.IntentExpiresAt.ShouldBe(expires);
    }

    [Fact]
    public async Task A_key_past_its_retention_is_forgotten_and_may_be_used_again()
    {
        var old = await Store.ClaimAsync("shop", "reused", Hash, Guid.CreateVersion7(), CancellationToken.None);
        await StoreAnswerAsEarlierVersionsDid("shop", "reused", "AwaitingTransaction", _time.GetUtcNow());

        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        (await Store.ClaimAsync("shop", "reused", [7], Guid.CreateVersion7(), CancellationToken.None)).PaymentId.ShouldBe(old.PaymentId);

        _time.Advance(TimeSpan.FromSeconds(1));
        var fresh = Guid.CreateVersion7();
        var reused = await Store.ClaimAsync("shop", "reused", [7], fresh, CancellationToken.None);

        reused.PaymentId.ShouldBe(fresh);
        reused.RequestHash.ShouldBe([7]);
        reused.IntentStatus.ShouldBeNull();
    }

    [Fact]
    public async Task The_sweeper_deletes_forgotten_keys_only()
    {
        await Store.ClaimAsync("sweep", "old-1", Hash, Guid.CreateVersion7(), CancellationToken.None);
        await Store.ClaimAsync("sweep", "old-2", Hash, Guid.CreateVersion7(), CancellationToken.None);
        await Store.ClaimAsync("sweep", "old-3", Hash, Guid.CreateVersion7(), CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var live = await Store.ClaimAsync("sweep", "live", Hash, Guid.CreateVersion7(), CancellationToken.None);
        var sweeper = _host.Services.GetServices<IHostedService>().OfType<IdempotencyKeySweeper>().Single();

        var deleted = await sweeper.SweepAsync(batchSize: 2, CancellationToken.None);

        deleted.ShouldBeGreaterThanOrEqualTo(3);
        (await Store.ClaimAsync("sweep", "live", [5], Guid.CreateVersion7(), CancellationToken.None)).PaymentId.ShouldBe(live.PaymentId);
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM api.idempotency_keys WHERE client_id = 'sweep'", connection);
        ((long)(await count.ExecuteScalarAsync())!).ShouldBe(1);
    }
}
