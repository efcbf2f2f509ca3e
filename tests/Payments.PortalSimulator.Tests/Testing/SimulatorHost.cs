using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;

namespace Payments.PortalSimulator.Tests.Testing;

/// <summary>One simulator per test, on a random loopback port, spoken to over real HTTP.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    public const string ApiKey = "sim-portal-key";
    public const string AppId = "app_staging_payments";

    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app)
    {
        _app = app;
        BaseAddress = app.GetBaseAddress();
        Control = new HttpClient { BaseAddress = BaseAddress };
        Portal = new HttpClient { BaseAddress = BaseAddress };
        Portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>For the /_sim control API (no key needed).</summary>
    public HttpClient Control { get; }

    /// <summary>For the portal API, with the default key.</summary>
    public HttpClient Portal { get; }

    public static Task<SimulatorHost> StartAsync(params string[] extraArgs) => StartAsync(TimeProvider.System, extraArgs);

    /// <summary>A simulator on the given clock (a <c>FakeTimeProvider</c> for its waits and signature timestamps).</summary>
    public static async Task<SimulatorHost> StartAsync(TimeProvider timeProvider, params string[] extraArgs)
    {
        string[] args = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. extraArgs];
        return new SimulatorHost(await PortalSimulatorApp.StartAsync(args, timeProvider));
    }

    public static string NewTransactionId() => "0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    public static string TransactionPath(string transactionId, string query = $"app_id={AppId}&type=payment") =>
        $"/api/v2/minikit/transaction/{transactionId}?{query}";

    /// <summary>A valid registration body, for tests to change one field of.</summary>
    public static Dictionary<string, object?> Registration(string transactionId) => new(StringComparer.Ordinal)
    {
        ["transactionId"] = transactionId,
        ["reference"] = "0123456789abcdef0123456789abcdef",
        ["to"] = "0x1111111111111111111111111111111111111111",
        ["token"] = "USDC",
        ["tokenAmount"] = "1500000",
        ["finalStatus"] = "mined",
        ["pendingPolls"] = 0,
        ["hashMissingPolls"] = 0,
    };

    public Task<HttpResponseMessage> PostRegistrationAsync(Dictionary<string, object?> registration) =>
        Control.PostAsJsonAsync("/_sim/transactions", registration);

    public async Task RegisterAsync(
        string transactionId,
        string finalStatus = "mined",
        int pendingPolls = 0,
        int hashMissingPolls = 0,
        string tokenAmount = "1500000",
        string token = "USDC",
        string? transactionHash = null,
        int notFoundPolls = 0)
    {
        var registration = Registration(transactionId);
        registration["finalStatus"] = finalStatus;
        registration["pendingPolls"] = pendingPolls;
        registration["hashMissingPolls"] = hashMissingPolls;
        registration["notFoundPolls"] = notFoundPolls;
        registration["tokenAmount"] = tokenAmount;
        registration["token"] = token;
        if (transactionHash is not null)
        {
            registration["transactionHash"] = transactionHash;
        }

        using var response = await PostRegistrationAsync(registration);
        response.EnsureSuccessStatusCode();
    }

    public async Task SetFaultAsync(object fault)
    {
        using var response = await Control.PutAsJsonAsync("/_sim/faults", fault);
        response.EnsureSuccessStatusCode();
    }

    public async Task<StatsDocument> GetStatsAsync() =>
        (await Control.GetFromJsonAsync<StatsDocument>("/_sim/stats"))!;

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        Portal.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record StatsDocument(long Total, Dictionary<string, long> ByStatus, Dictionary<string, long> ByTransaction);
