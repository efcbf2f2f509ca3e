using Payments.Load.Demo;

namespace Payments.Load.Tests.Demo;

public sealed class BreakerStatesTests
{
    [Fact]
    public void Shows_each_breaker_once_with_every_instance_state_the_portal_breaker_first()
    {
        var line = BreakerStates.Line(new Dictionary<string, string>
        {
            ["Webhooks.default@consumer-2"] = "CLOSED",
            ["DeveloperPortal@consumer-2"] = "OPEN",
            ["Webhooks.default@consumer-1"] = "HALF_OPEN",
            ["DeveloperPortal@consumer-1"] = "CLOSED",
        });

        line.ShouldBe("DeveloperPortal consumer-1=CLOSED consumer-2=OPEN | Webhooks.default consumer-1=HALF_OPEN consumer-2=CLOSED");
    }

    [Fact]
    public void Says_so_before_any_instance_has_reported()
    {
        BreakerStates.Line(new Dictionary<string, string>()).ShouldBe("breakers: (no report yet)");
    }
}
