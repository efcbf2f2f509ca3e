using Microsoft.Extensions.DependencyInjection;
using Payments.CircuitBreaker;
using Payments.IntegrationTests.Api;

namespace Payments.IntegrationTests.CircuitBreakers;

/// <summary>
/// Instances joining and leaving the fleet: one that joins during an outage learns it without asking the portal; one that
/// stops drops out of the health document and of the probers; an operator's reset still reaches every instance.
/// </summary>
public sealed class FleetMembershipTests(FleetStackFixture stack) : IClassFixture<FleetStackFixture>
{
    [Fact]
    public async Task A_joining_instance_follows_the_outage_a_leaving_one_drops_out_and_a_reset_reaches_all()
    {
        var leaving = stack.StartInstance("consumer-2");
        await FleetStackFixture.EventuallyAsync("two instances reporting", async () =>
            (await stack.PortalBreakersAsync()).Count == 2 ? "yes" : null);
        var payments = await stack.PreparePaymentsAsync(20);
        var client = new StackClient(stack);
        await client.SetFaultAsync("down");
        foreach (var (reference, transactionId) in payments)
        {
            await client.SubmitAcceptedAsync(reference, transactionId);
        }

        await FleetStackFixture.EventuallyAsync("both open", async () =>
            (await stack.PortalBreakersAsync()).Values.All(b => b.GetProperty("state").GetString() == "OPEN") ? "yes" : null);

        // Joins: OPEN at its first heartbeat round, without a portal call of its own.
        var joiner = stack.StartInstance("consumer-3");
        var joined = await FleetStackFixture.EventuallyAsync("consumer-3 open", async () =>
            (await stack.PortalBreakersAsync()).TryGetValue("consumer-3", out var b) && b.GetProperty("state").GetString() == "OPEN" ? b : (System.Text.Json.JsonElement?)null);
        joined!.Value.GetProperty("heldBy").GetString().ShouldNotBeNull();
        var joinerBreaker = joiner.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);
        joinerBreaker.GetStats().TotalAttempts.ShouldBe(0);

        // Leaves: gone from the document after three heartbeats, and never named prober after that.
        await stack.StopAnotherConsumerAsync(leaving);
        await FleetStackFixture.EventuallyAsync("consumer-2 dropped", async () =>
            (await stack.PortalBreakersAsync()).ContainsKey("consumer-2") ? null : "yes");
        var stoppedAt = DateTimeOffset.UtcNow;
        var view = await FleetStackFixture.EventuallyAsync("a view made after consumer-2 dropped out", async () =>
        {
            var current = await stack.FleetViewAsync();
            return current.GetProperty("since").GetDateTimeOffset() > stoppedAt + TimeSpan.FromSeconds(3) ? current : (System.Text.Json.JsonElement?)null;
        });
        view!.Value.GetProperty("prober").GetString().ShouldNotBe("consumer-2");

        // The portal is back; an operator's reset closes every instance at once, and the waiting payments verify.
        await client.SetFaultAsync("none");
        using var admin = stack.CreateAdminClient();
        using var reset = await admin.PostAsync("/api/admin/circuit-breakers/DeveloperPortal/reset", null);
        reset.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        await stack.AllConfirmedAsync(payments);
        await FleetStackFixture.EventuallyAsync("both remaining instances closed", async () =>
        {
            var breakers = await stack.PortalBreakersAsync();
            return breakers.Count == 2 && breakers.Values.All(b => b.GetProperty("state").GetString() == "CLOSED") ? "yes" : null;
        });
        (await stack.ErrorQueueDepthAsync()).ShouldBe(0u);
    }
}
