using System.Text.Json;
using Payments.IntegrationTests.Api;
using Xunit.Abstractions;

namespace Payments.IntegrationTests.CircuitBreakers;

/// <summary>
/// Three consumer instances on one broker against one simulated portal that goes down: the fleet opens together, pauses
/// <c>verify-payment</c>, sends one probe per open window, and verifies everything once the portal is back.
/// </summary>
public sealed class FleetOutageTests(FleetStackFixture stack, ITestOutputHelper output) : IClassFixture<FleetStackFixture>
{
    private const int Payments = 40;
    private static readonly string[] Instances = [FleetStackFixture.FirstInstance, "consumer-2", "consumer-3"];

    [Fact]
    public async Task An_outage_costs_the_portal_what_one_instance_costs_and_every_payment_verifies_after_it()
    {
        stack.StartInstance("consumer-2");
        stack.StartInstance("consumer-3");
        await FleetStackFixture.EventuallyAsync("three instances reporting", async () =>
            (await stack.PortalBreakersAsync()).Count == 3 ? "yes" : null);
        var payments = await stack.PreparePaymentsAsync(Payments);
        var client = new StackClient(stack);
        await client.SetFaultAsync("down");
        var before = await client.PortalRequestsAsync();

        foreach (var (reference, transactionId) in payments)
        {
            await client.SubmitAcceptedAsync(reference, transactionId);
        }

        // Every instance OPEN within a second of the first, all waiting out one window under one view. (Each counts its own
        // failures, so what the others finished or had in flight while the first announcement travelled, milliseconds, is on
        // top of the opener's threshold; docs/benchmarks.md has the figures.)
        var open = await FleetStackFixture.EventuallyAsync("every instance open under one view", async () =>
        {
            var breakers = await stack.PortalBreakersAsync();
            return Instances.All(i => breakers.TryGetValue(i, out var b) && b.GetProperty("state").GetString() == "OPEN")
                && breakers.Values.Select(b => b.GetProperty("fleet").GetProperty("since").GetDateTimeOffset()).Distinct().Count() == 1
                ? breakers
                : null;
        });
        var openedAt = Instances.Select(i => FirstOpenedAt(open[i])).ToList();
        (openedAt.Max() - openedAt.Min()).ShouldBeLessThan(TimeSpan.FromSeconds(1));
        open.Values.ShouldAllBe(b => b.GetProperty("fleet").GetProperty("state").GetString() == "OPEN");
        output.WriteLine($"{await client.PortalRequestsAsync() - before} portal requests until every instance was open");

        // Paused: no instance consumes verify-payment, the rest of the payments wait in the queue.
        await FleetStackFixture.EventuallyAsync("verify-payment paused everywhere", async () =>
            await stack.VirtualHost.CountConsumersAsync("verify-payment") == 0 ? "yes" : null);
        (await stack.VirtualHost.CountMessagesAsync("verify-payment")).ShouldBeGreaterThan(0u);
        var paused = await stack.PortalBreakersAsync();
        paused.Values.ShouldAllBe(b => b.GetProperty("pausedEndpoints").EnumerateArray().Any(e => e.GetString() == "verify-payment"));

        // Two failed probes: each a new view with the next prober; the portal saw one request per window.
        var requestsAtOpen = await client.PortalRequestsAsync();
        var first = await stack.FleetViewAsync();
        var views = new List<JsonElement> { first };
        while (views.Count < 3)
        {
            var previous = views[^1].GetProperty("since").GetDateTimeOffset();
            var next = await FleetStackFixture.EventuallyAsync("the next probe's view", async () =>
            {
                var view = await stack.FleetViewAsync();
                return view.GetProperty("since").GetDateTimeOffset() > previous ? view : (JsonElement?)null;
            });
            views.Add(next!.Value);
        }

        views.Skip(1).ShouldAllBe(v => v.GetProperty("cause").GetString() == "probe-failed" && v.GetProperty("state").GetString() == "OPEN");
        views.Select(v => v.GetProperty("prober").GetString()).Distinct().Count().ShouldBe(3);
        var probes = await client.PortalRequestsAsync() - requestsAtOpen;
        probes.ShouldBeInRange(2, 3);

        await client.SetFaultAsync("none");
        await stack.AllConfirmedAsync(payments);

        var closed = await FleetStackFixture.EventuallyAsync("every instance closed and consuming", async () =>
        {
            var breakers = await stack.PortalBreakersAsync();
            return Instances.All(i => breakers[i].GetProperty("state").GetString() == "CLOSED")
                && await stack.VirtualHost.CountConsumersAsync("verify-payment") == Instances.Length
                ? breakers
                : null;
        });
        closed.Values.ShouldAllBe(b => b.GetProperty("pausedEndpoints").GetArrayLength() == 0);
        (await stack.FleetViewAsync()).GetProperty("state").GetString().ShouldBe("CLOSED");
        (await stack.ErrorQueueDepthAsync()).ShouldBe(0u);
    }

    private static DateTimeOffset FirstOpenedAt(JsonElement breaker) =>
        breaker.GetProperty("transitions").EnumerateArray()
            .Where(t => t.GetProperty("to").GetString() == "OPEN")
            .Select(t => t.GetProperty("at").GetDateTimeOffset())
            .First();
}
