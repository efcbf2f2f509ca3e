using Payments.IntegrationTests.Api;

namespace Payments.IntegrationTests.CircuitBreakers;

/// <summary>
/// A fault only one instance sees: consumer-2 is pointed at an address where nothing listens. It opens and the others
/// follow for one window; their own probe then closes them, they verify every payment, and consumer-2's further failures
/// stay its own.
/// </summary>
public sealed class FleetSingleFaultTests(FleetStackFixture stack) : IClassFixture<FleetStackFixture>
{
    private const int Payments = 30;

    [Fact]
    public async Task The_others_are_held_for_one_window_at_most_and_verify_every_payment()
    {
        stack.StartInstance("consumer-2", new Dictionary<string, string?> { ["DeveloperPortal:BaseUrl"] = "http://127.0.0.1:9/" });
        stack.StartInstance("consumer-3");
        await FleetStackFixture.EventuallyAsync("three instances reporting", async () =>
            (await stack.PortalBreakersAsync()).Count == 3 ? "yes" : null);
        var payments = await stack.PreparePaymentsAsync(Payments);
        var client = new StackClient(stack);

        foreach (var (reference, transactionId) in payments)
        {
            await client.SubmitAcceptedAsync(reference, transactionId);
        }

        await FleetStackFixture.EventuallyAsync("consumer-2 open", async () =>
            (await stack.PortalBreakersAsync())["consumer-2"].GetProperty("state").GetString() == "OPEN" ? "yes" : null);
        await stack.AllConfirmedAsync(payments);

        var breakers = await stack.PortalBreakersAsync();
        breakers[FleetStackFixture.FirstInstance].GetProperty("state").GetString().ShouldBe("CLOSED");
        breakers["consumer-3"].GetProperty("state").GetString().ShouldBe("CLOSED");
        breakers["consumer-2"].GetProperty("state").GetString().ShouldNotBe("CLOSED");
        foreach (var healthy in new[] { FleetStackFixture.FirstInstance, "consumer-3" })
        {
            // At most one opening on consumer-2's word, and it lasted one window and the probes after it, never a second
            // window (resuming the endpoints and the probes take a moment under load).
            var transitions = breakers[healthy].GetProperty("transitions").EnumerateArray().ToList();
            transitions.Count(t => t.GetProperty("to").GetString() == "OPEN").ShouldBeLessThanOrEqualTo(1);
            var opened = transitions.Where(t => t.GetProperty("to").GetString() == "OPEN").Select(t => t.GetProperty("at").GetDateTimeOffset()).ToList();
            var closed = transitions.Where(t => t.GetProperty("to").GetString() == "CLOSED").Select(t => t.GetProperty("at").GetDateTimeOffset()).ToList();
            if (opened.Count == 1)
            {
                (closed.Single() - opened.Single()).ShouldBeLessThan(FleetStackFixture.OpenTimeout * 2);
            }
        }

        // More payments: consumer-2 takes its share when its window ends, fails its own probe and re-opens; nobody follows it.
        (await stack.FleetViewAsync()).GetProperty("state").GetString().ShouldBe("CLOSED");
        var more = await stack.PreparePaymentsAsync(Payments);
        foreach (var (reference, transactionId) in more)
        {
            await client.SubmitAcceptedAsync(reference, transactionId);
        }

        await stack.AllConfirmedAsync(more);
        var after = await stack.PortalBreakersAsync();
        foreach (var healthy in new[] { FleetStackFixture.FirstInstance, "consumer-3" })
        {
            after[healthy].GetProperty("state").GetString().ShouldBe("CLOSED");
            after[healthy].GetProperty("transitions").EnumerateArray().Count(t => t.GetProperty("to").GetString() == "OPEN").ShouldBeLessThanOrEqualTo(1);
        }

        after["consumer-2"].GetProperty("state").GetString().ShouldNotBe("CLOSED");
        (await stack.FleetViewAsync()).GetProperty("state").GetString().ShouldBe("CLOSED");
        (await stack.ErrorQueueDepthAsync()).ShouldBe(0u);
    }
}
