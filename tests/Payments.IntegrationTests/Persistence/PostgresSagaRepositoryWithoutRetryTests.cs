using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

/// <summary>
/// Without any endpoint retry, so that a conflict the repository should have prevented shows up as a fault.
/// </summary>
[Collection(SagaBus.Collection)]
public sealed class PostgresSagaRepositoryWithoutRetryTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Concurrent_first_events_of_one_saga_wait_for_each_other_instead_of_failing_the_insert()
    {
        await using var bus = await SagaBus.StartAsync(fixture.Database, retry: false);
        await AssertTwentyConcurrentOpeningsMakeOneCounterOfTwenty(bus);
    }

    [Fact]
    public async Task Concurrent_first_events_inserted_before_the_state_machine_runs_find_the_existing_row()
    {
        await using var bus = await SagaBus.StartAsync<InsertingCounterStateMachine>(fixture.Database, retry: false);
        await AssertTwentyConcurrentOpeningsMakeOneCounterOfTwenty(bus);
    }

    [Fact]
    public async Task Concurrent_first_events_of_a_creating_message_type_take_the_id_lock_first_and_wait_for_each_other()
    {
        await using var bus = await SagaBus.StartAsync(fixture.Database, retry: false, lockFirstOnOpen: true);
        await AssertTwentyConcurrentOpeningsMakeOneCounterOfTwenty(bus);
    }

    private async Task AssertTwentyConcurrentOpeningsMakeOneCounterOfTwenty(SagaBus bus)
    {
        var database = fixture.Database;
        var id = Guid.NewGuid();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => bus.Bus.Publish(new OpenCounter(id))));

        var opened = await Eventually.Until(
            () => database.ScalarAsync<int>($"SELECT pending_checks FROM payments WHERE correlation_id = {Eventually.Literal(id)}"),
            n => n >= 20, TimeSpan.FromSeconds(60), () => !bus.Faults.Entries.IsEmpty);
        bus.Faults.Entries.ShouldBeEmpty();
        opened.ShouldBe(20);
        (await database.CountAsync("correlation_id = " + Eventually.Literal(id))).ShouldBe(1);
    }
}
