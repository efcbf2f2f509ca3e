using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;
using Payments.Infrastructure.Persistence;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

[Collection(SagaBus.Collection)]
public sealed class PostgresSagaRepositoryTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    private readonly PostgresDatabase _database = fixture.Database;
    private SagaBus _bus = null!;

    public async Task InitializeAsync() => _bus = await SagaBus.StartAsync(_database);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Fifty_concurrent_events_for_one_saga_lose_no_update()
    {
        var id = await OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _bus.Bus.Publish(new BumpCounter(id))));

        var count = await Eventually.Until(() => Column<int>(id, "verification_attempts"), n => n >= 50, _timeout, HasFaults);
        _bus.Faults.Entries.ShouldBeEmpty();
        count.ShouldBe(50);
    }

    [Fact]
    public async Task Concurrent_initiations_of_one_id_create_one_row_and_apply_every_event()
    {
        var id = Guid.NewGuid();

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _bus.Bus.Publish(new OpenCounter(id))));

        var opened = await Eventually.Until(() => Column<int>(id, "pending_checks"), n => n >= 10, _timeout, HasFaults);
        _bus.Faults.Entries.ShouldBeEmpty();
        opened.ShouldBe(10);
        (await _database.CountAsync("correlation_id = " + Eventually.Literal(id))).ShouldBe(1);
    }

    [Fact]
    public async Task A_transaction_id_claimed_concurrently_by_many_sagas_ends_with_exactly_one_owner()
    {
        var transactionId = NewTransactionId();
        var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => OpenAsync()));

        await Task.WhenAll(ids.Select(id => _bus.Bus.Publish(new ClaimTransaction(id, transactionId))));

        var idList = string.Join(",", ids.Select(Eventually.Literal));
        var settled = await Eventually.Until(
            () => _database.CountAsync($"correlation_id IN ({idList}) AND (transaction_id IS NOT NULL OR last_error IS NOT NULL)"),
            n => n >= ids.Length, _timeout, HasFaults);

        _bus.Faults.Entries.ShouldBeEmpty();
        settled.ShouldBe(ids.Length);
        (await _database.CountAsync($"transaction_id = '{transactionId}'")).ShouldBe(1);
        (await _database.CountAsync($"transaction_id = '{transactionId}' AND current_state = 'Confirmed'")).ShouldBe(1);
        (await _database.CountAsync($"correlation_id IN ({idList}) AND last_error = '{CounterStateMachine.AlreadyUsed}'")).ShouldBe(ids.Length - 1);
    }

    [Fact]
    public async Task Sagas_that_store_one_transaction_id_without_confirming_do_not_compete()
    {
        var transactionId = NewTransactionId();
        var ids = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => OpenAsync()));

        await Task.WhenAll(ids.Select(id => _bus.Bus.Publish(new StoreTransaction(id, transactionId))));

        var stored = await Eventually.Until(
            () => _database.CountAsync($"transaction_id = '{transactionId}'"), n => n >= ids.Length, _timeout, HasFaults);
        _bus.Faults.Entries.ShouldBeEmpty();
        stored.ShouldBe(ids.Length);
    }

    [Fact]
    public async Task A_second_saga_confirming_a_used_transaction_id_faults_with_TransactionAlreadyClaimedException()
    {
        var transactionId = NewTransactionId();
        var owner = await OpenAsync();
        var other = await OpenAsync();
        await _bus.Bus.Publish(new ClaimTransactionBlindly(owner, transactionId));
        await Eventually.Until(() => _database.CountAsync($"transaction_id = '{transactionId}' AND current_state = 'Confirmed'"), n => n == 1, _timeout);

        await _bus.Bus.Publish(new ClaimTransactionBlindly(other, transactionId));

        await Eventually.Until(() => Task.FromResult(_bus.Faults.Entries.Count), n => n > 0, _timeout);
        var fault = _bus.Faults.Entries.ShouldHaveSingleItem();
        fault.ShouldStartWith($"{nameof(ClaimTransactionBlindly)}: {typeof(TransactionAlreadyClaimedException).FullName}");
        (await _database.CountAsync($"correlation_id = {Eventually.Literal(other)} AND transaction_id IS NULL")).ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_events_correlated_by_query_lose_no_update()
    {
        var transactionId = NewTransactionId();
        var id = await OpenAsync();
        await _bus.Bus.Publish(new ClaimTransaction(id, transactionId));
        await Eventually.Until(() => _database.CountAsync($"transaction_id = '{transactionId}'"), n => n == 1, _timeout);

        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => _bus.Bus.Publish(new BumpByTransaction(transactionId))));

        var count = await Eventually.Until(() => Column<int>(id, "circuit_deferrals"), n => n >= 30, _timeout, HasFaults);
        _bus.Faults.Entries.ShouldBeEmpty();
        count.ShouldBe(30);
    }

    [Fact]
    public async Task Load_and_query_read_committed_sagas()
    {
        var transactionId = NewTransactionId();
        var id = await OpenAsync();
        await _bus.Bus.Publish(new ClaimTransaction(id, transactionId));
        await Eventually.Until(() => _database.CountAsync($"transaction_id = '{transactionId}'"), n => n == 1, _timeout);
        var load = _bus.Services.GetRequiredService<ILoadSagaRepository<PaymentState>>();
        var query = _bus.Services.GetRequiredService<IQuerySagaRepository<PaymentState>>();

        var loaded = await load.Load(id);
        var missing = await load.Load(Guid.NewGuid());
        var found = await query.Find(new SagaQuery<PaymentState>(x => x.TransactionId == transactionId));
        var none = await query.Find(new SagaQuery<PaymentState>(x => x.TransactionId == NewTransactionId()));

        loaded.ShouldNotBeNull();
        loaded.CorrelationId.ShouldBe(id);
        loaded.Reference.ShouldBe(id.ToString("N"));
        loaded.TransactionId.ShouldBe(transactionId);
        loaded.CurrentState.ShouldBe("Confirmed");
        missing.ShouldBeNull();
        found.ShouldBe([id]);
        none.ShouldBeEmpty();
    }

    private async Task<Guid> OpenAsync()
    {
        var id = Guid.NewGuid();
        await _bus.Bus.Publish(new OpenCounter(id));
        var count = await Eventually.Until(() => _database.CountAsync("correlation_id = " + Eventually.Literal(id)), n => n == 1, _timeout);
        count.ShouldBe(1, "the saga row was not created");
        return id;
    }

    private Task<T> Column<T>(Guid id, string column) =>
        _database.ScalarAsync<T>($"SELECT {column} FROM payments WHERE correlation_id = {Eventually.Literal(id)}");

    private bool HasFaults() => !_bus.Faults.Entries.IsEmpty;

    private static string NewTransactionId() => "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
}
