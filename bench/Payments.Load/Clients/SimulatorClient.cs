using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.Load.Clients;

/// <summary>The control routes of Payments.PortalSimulator (<c>/_sim/...</c>).</summary>
public sealed class SimulatorClient(HttpClient http)
{
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync("/_sim/reset", null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task RegisterAsync(SimulatedTransaction transaction, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/_sim/transactions", transaction, JsonSerializerOptions.Web, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task SetFaultAsync(string mode, CancellationToken cancellationToken)
    {
        using var response = await http.PutAsJsonAsync("/_sim/faults", new { mode }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Portal requests the simulator has answered (or aborted) since its last reset.</summary>
    public async Task<long> GetTotalRequestsAsync(CancellationToken cancellationToken)
    {
        var stats = await http.GetFromJsonAsync<JsonElement>("/_sim/stats", cancellationToken);
        return stats.GetProperty("total").GetInt64();
    }
}

public sealed record SimulatedTransaction(
    string TransactionId,
    string Reference,
    string To,
    string Token,
    string TokenAmount,
    string FinalStatus,
    int PendingPolls,
    int HashMissingPolls);
