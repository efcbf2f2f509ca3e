using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Payments.CircuitBreaker;
using Payments.Consumer.Portal;
using Payments.PortalSimulator;
using Breaker = Payments.CircuitBreaker.CircuitBreaker;

namespace Payments.Consumer.Tests.Portal;

/// <summary>
/// A portal simulator on a random loopback port and a portal client wired as in production, pointed at it: real HTTP,
/// real breaker, real time.
/// </summary>
public sealed class PortalClientHarness : IAsyncDisposable
{
    public const string DefaultApiKey = "sim-portal-key";
    public const string Reference = "0123456789abcdef0123456789abcdef";
    public const string Recipient = "0x1111111111111111111111111111111111111111";

    private readonly WebApplication _simulator;
    private readonly ServiceProvider _services;

    private PortalClientHarness(WebApplication simulator, ServiceProvider services)
    {
        _simulator = simulator;
        _services = services;
        Control = new HttpClient { BaseAddress = simulator.GetBaseAddress() };
        Client = services.GetRequiredService<IDeveloperPortalClient>();
        Breaker = services.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);
        Logs = services.GetRequiredService<FakeLogCollector>();
    }

    public IDeveloperPortalClient Client { get; }

    public Breaker Breaker { get; }

    public FakeLogCollector Logs { get; }

    public IServiceProvider Services => _services;

    /// <summary>The simulator's own address (the client's too, unless it was pointed elsewhere).</summary>
    public Uri SimulatorAddress => _simulator.GetBaseAddress();

    /// <summary>The simulator's control API.</summary>
    public HttpClient Control { get; }

    public static async Task<PortalClientHarness> StartAsync(
        bool camelCase = false,
        string simulatorKey = DefaultApiKey,
        string clientKey = DefaultApiKey,
        TimeSpan? timeout = null,
        TimeSpan? breakerOpenTimeout = null,
        string basePath = "",
        Uri? portalAddress = null,
        Action<ILoggingBuilder>? logging = null)
    {
        var simulator = await PortalSimulatorApp.StartAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            $"--Simulator:CamelCase={camelCase}",
            $"--Simulator:ApiKey={simulatorKey}",
        ]);

        var settings = new Dictionary<string, string?>
        {
            // The client talks to the simulator unless pointed elsewhere (a server in front of it, say).
            ["DeveloperPortal:BaseUrl"] = new Uri(portalAddress ?? simulator.GetBaseAddress(), basePath).ToString(),
            ["DeveloperPortal:ApiKey"] = clientKey,
            ["DeveloperPortal:Timeout"] = (timeout ?? TimeSpan.FromSeconds(10)).ToString(),
        };
        if (breakerOpenTimeout is { } openTimeout)
        {
            settings["CircuitBreakers:DeveloperPortal:OpenTimeout"] = openTimeout.ToString();
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Trace).AddFakeLogging();
            logging?.Invoke(builder);
        });
        services.AddDeveloperPortalClient(configuration);
        return new PortalClientHarness(simulator, services.BuildServiceProvider(validateScopes: true));
    }

    public static string NewTransactionId() =>
        "0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    public async Task RegisterAsync(
        string transactionId,
        string finalStatus = "mined",
        int pendingPolls = 0,
        string token = "USDC",
        string tokenAmount = "1500000")
    {
        using var response = await Control.PostAsJsonAsync("/_sim/transactions", new
        {
            transactionId,
            reference = Reference,
            to = Recipient,
            token,
            tokenAmount,
            finalStatus,
            pendingPolls,
            hashMissingPolls = 0,
        });
        response.EnsureSuccessStatusCode();
    }

    public async Task SetFaultAsync(object fault)
    {
        using var response = await Control.PutAsJsonAsync("/_sim/faults", fault);
        response.EnsureSuccessStatusCode();
    }

    public async Task<long> SimulatorRequestCountAsync() =>
        (await Control.GetFromJsonAsync<SimulatorStats>("/_sim/stats"))!.Total;

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await _services.DisposeAsync();
        await _simulator.StopAsync();
        await _simulator.DisposeAsync();
    }

    private sealed record SimulatorStats(long Total);
}
