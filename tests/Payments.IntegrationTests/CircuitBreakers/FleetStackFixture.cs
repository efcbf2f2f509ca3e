using System.Net.Http.Json;
using System.Text.Json;
using Payments.IntegrationTests.Api;

namespace Payments.IntegrationTests.CircuitBreakers;

/// <summary>
/// The stack with the first consumer named <c>consumer-1</c> and every breaker setting on a test's time scale: a 4 s open
/// window, a 3 s grace, a 1 s heartbeat. Tests start more instances with <see cref="StartInstance"/>.
/// </summary>
public class FleetStackFixture : ApiStackFixture
{
    public const string FirstInstance = "consumer-1";
    public const int FailureThreshold = 5;
    public const int ConcurrencyPerInstance = 4;
    public static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    protected override IReadOnlyDictionary<string, string?> ConsumerSettings { get; } = new Dictionary<string, string?>
    {
        ["CircuitBreakerReporting:InstanceId"] = FirstInstance,
        ["CircuitBreakerReporting:HeartbeatInterval"] = "00:00:01",
        ["CircuitBreakers:DeveloperPortal:OpenTimeout"] = OpenTimeout.ToString(),
        ["CircuitBreakerFleet:ProbeGrace"] = "00:00:03",
        ["DeveloperPortal:Timeout"] = "00:00:02",
        ["Verification:ConcurrencyLimit"] = ConcurrencyPerInstance.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq:PrefetchCount"] = ConcurrencyPerInstance.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Verification:RedeliveryMinInterval"] = "00:00:01",
        ["Verification:RedeliveryMaxInterval"] = "00:00:02",
        ["Verification:HalfOpenDeferral"] = "00:00:01",
    };

    /// <summary>Another consumer instance named <paramref name="id"/>, with <paramref name="settings"/> on top of the fixture's.</summary>
    public IServiceProvider StartInstance(string id, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["CircuitBreakerReporting:InstanceId"] = id,
        };
        return StartAnotherConsumer(all);
    }

    /// <summary>The health document's <c>DeveloperPortal</c> entries, by instance.</summary>
    public async Task<Dictionary<string, JsonElement>> PortalBreakersAsync()
    {
        var document = await Api.GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");
        return document.GetProperty("circuitBreakers").EnumerateArray()
            .Where(b => b.GetProperty("name").GetString() == "DeveloperPortal")
            .ToDictionary(b => b.GetProperty("instance").GetString()!, b => b.Clone());
    }

    /// <summary>The health document's fleet view of the <c>DeveloperPortal</c> breaker.</summary>
    public async Task<JsonElement> FleetViewAsync()
    {
        var document = await Api.GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");
        return document.GetProperty("fleet").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "DeveloperPortal").Clone();
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value, or fails the test at <see cref="Deadline"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(string what, Func<Task<T?>> probe)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"{what}: not within {Deadline}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Initiates <paramref name="count"/> payments and registers each as mined in the simulator; returns reference and transaction.</summary>
    public async Task<List<(string Reference, string TransactionId)>> PreparePaymentsAsync(int count)
    {
        var client = new StackClient(this);
        var payments = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var reference = await client.InitiateAsync("1", "USDC");
            var transactionId = StackClient.NewTransactionId();
            await client.RegisterAsync(transactionId, reference, "USDC", "1000000");
            payments.Add((reference, transactionId));
        }

        return payments;
    }

    /// <summary>Waits until every payment is Confirmed (submitted in order, polled in order).</summary>
    public async Task AllConfirmedAsync(IEnumerable<(string Reference, string TransactionId)> payments)
    {
        var client = new StackClient(this);
        foreach (var (reference, _) in payments)
        {
            var document = await client.PollUntilFinalAsync(reference);
            document.GetProperty("status").GetString().ShouldBe("Confirmed", document.ToString());
        }
    }

    /// <summary>Messages in <c>verify-payment_error</c>; zero when the queue was never created.</summary>
    public async Task<uint> ErrorQueueDepthAsync()
    {
        var queues = await VirtualHost.ListQueuesAsync();
        return queues.Any(q => q.GetProperty("name").GetString() == "verify-payment_error")
            ? await VirtualHost.CountMessagesAsync("verify-payment_error")
            : 0;
    }
}
