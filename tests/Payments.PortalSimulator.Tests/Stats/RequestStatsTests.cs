using System.Net;
using Payments.PortalSimulator.Tests.Testing;

namespace Payments.PortalSimulator.Tests.Stats;

public sealed class RequestStatsTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Counts_portal_requests_in_total_by_status_and_by_transaction()
    {
        var known = SimulatorHost.NewTransactionId();
        var unknown = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(known);

        (await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(known))).Dispose();
        (await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(known))).Dispose();
        (await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(unknown))).Dispose();
        (await _sim.Control.GetAsync(SimulatorHost.TransactionPath(known))).Dispose();
        await _sim.SetFaultAsync(new { mode = "error" });
        (await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(unknown))).Dispose();
        (await _sim.Control.GetAsync("/health/live")).Dispose();

        var stats = await _sim.GetStatsAsync();

        stats.Total.ShouldBe(5);
        stats.ByStatus.ShouldBe(new Dictionary<string, long> { ["200"] = 2, ["401"] = 1, ["404"] = 1, ["503"] = 1 }, ignoreOrder: true);
        stats.ByTransaction.ShouldBe(new Dictionary<string, long> { [known] = 3, [unknown] = 2 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Counts_the_not_found_polls_of_a_registered_transaction_as_404s_of_that_transaction()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, notFoundPolls: 2);

        for (var poll = 0; poll < 3; poll++)
        {
            (await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id))).Dispose();
        }

        var stats = await _sim.GetStatsAsync();
        stats.Total.ShouldBe(3);
        stats.ByStatus.ShouldBe(new Dictionary<string, long> { ["200"] = 1, ["404"] = 2 }, ignoreOrder: true);
        stats.ByTransaction.ShouldBe(new Dictionary<string, long> { [id] = 3 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Reset_clears_statistics_transactions_and_faults()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id);
        (await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id))).Dispose();
        await _sim.SetFaultAsync(new { mode = "error" });

        using var reset = await _sim.Control.PostAsync("/_sim/reset", null);

        reset.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var cleared = await _sim.GetStatsAsync();
        cleared.Total.ShouldBe(0);
        cleared.ByStatus.ShouldBeEmpty();
        cleared.ByTransaction.ShouldBeEmpty();
        using var after = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
        after.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Counts_concurrent_requests_exactly()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, pendingPolls: 1000);

        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
            response.EnsureSuccessStatusCode();
        }));

        var stats = await _sim.GetStatsAsync();
        stats.Total.ShouldBe(64);
        stats.ByStatus["200"].ShouldBe(64);
        stats.ByTransaction[id].ShouldBe(64);
    }
}
