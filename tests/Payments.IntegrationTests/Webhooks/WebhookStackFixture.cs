using Payments.IntegrationTests.Api;

namespace Payments.IntegrationTests.Webhooks;

/// <summary>
/// The stack with two clients' webhook endpoints on the portal simulator's receiver: <c>default</c> at
/// <c>/_sim/webhooks/shop</c> with one secret, <c>partner</c> at <c>/_sim/webhooks/partner</c> in the middle of a rotation
/// (old and new secret; the receiver knows only the new one). Delays are seconds, not minutes, so backoff and breakers can
/// be watched: 1 s doubling to 4 s, a 2 s timeout, 3 s open breakers, a sweep every second.
/// </summary>
public class WebhookStackFixture : ApiStackFixture
{
    public const string ShopEndpoint = "shop";
    public const string PartnerEndpoint = "partner";
    public const string ShopSecret = "shop-webhook-secret-0123456789abcdef-0123";
    public const string PartnerOldSecret = "partner-old-secret-0123456789abcdef-01234";
    public const string PartnerNewSecret = "partner-new-secret-0123456789abcdef-01234";

    protected override IReadOnlyList<string> SimulatorArguments { get; } =
        [$"--Simulator:WebhookSecrets:0={ShopSecret}", $"--Simulator:WebhookSecrets:1={PartnerNewSecret}"];

    protected override IReadOnlyDictionary<string, string?> ConsumerSettings => new Dictionary<string, string?>(DeliverySettings)
    {
        ["Webhooks:default:Url"] = new Uri(Simulator.BaseAddress!, $"/_sim/webhooks/{ShopEndpoint}").ToString(),
        ["Webhooks:default:Secret"] = ShopSecret,
        [$"Webhooks:{PartnerClient}:Url"] = new Uri(Simulator.BaseAddress!, $"/_sim/webhooks/{PartnerEndpoint}").ToString(),
        [$"Webhooks:{PartnerClient}:Secrets:0"] = PartnerOldSecret,
        [$"Webhooks:{PartnerClient}:Secrets:1"] = PartnerNewSecret,
    };

    protected virtual IReadOnlyDictionary<string, string?> DeliverySettings { get; } = new Dictionary<string, string?>
    {
        ["WebhookDelivery:Timeout"] = "00:00:02",
        ["WebhookDelivery:InitialDelay"] = "00:00:01",
        ["WebhookDelivery:MaxDelay"] = "00:00:04",
        ["WebhookDelivery:OverdueAfter"] = "00:00:03",
        ["WebhookDelivery:SweepInterval"] = "00:00:01",
        ["CircuitBreakers:Webhooks:OpenTimeout"] = "00:00:03",
        ["CircuitBreakerReporting:HeartbeatInterval"] = "00:00:01",
    };
}

/// <summary>The same stack with a retry budget of 4 s, so an event runs out of it during a test.</summary>
public sealed class WebhookBudgetStackFixture : WebhookStackFixture
{
    protected override IReadOnlyDictionary<string, string?> DeliverySettings { get; } = new Dictionary<string, string?>
    {
        ["WebhookDelivery:Timeout"] = "00:00:02",
        ["WebhookDelivery:InitialDelay"] = "00:00:01",
        ["WebhookDelivery:MaxDelay"] = "00:00:01",
        ["WebhookDelivery:RetryFor"] = "00:00:04",
        ["WebhookDelivery:SweepInterval"] = "00:00:01",
        ["CircuitBreakers:Webhooks:FailureThreshold"] = "100",
    };
}
