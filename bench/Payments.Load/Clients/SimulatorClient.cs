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

    public Task SetFaultAsync(string mode, CancellationToken cancellationToken) => SetFaultAsync(new PortalFault(mode), cancellationToken);

    public async Task SetFaultAsync(PortalFault fault, CancellationToken cancellationToken)
    {
        using var response = await http.PutAsJsonAsync("/_sim/faults", fault, JsonSerializerOptions.Web, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Sets how the webhook receiver endpoint <paramref name="name"/> answers: <c>none</c> (2xx when the signature is valid),
    /// <c>fail</c> (<paramref name="status"/>, 500 when null) or <c>hang</c>.
    /// </summary>
    public async Task SetWebhookFaultAsync(string name, string mode, int? status, CancellationToken cancellationToken)
    {
        using var response = await http.PutAsJsonAsync($"/_sim/webhooks/{name}/faults", new { mode, status }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>What the webhook receiver endpoint <paramref name="name"/> has seen since the last reset.</summary>
    public async Task<WebhookReceiverStats> GetWebhooksAsync(string name, CancellationToken cancellationToken) =>
        (await http.GetFromJsonAsync<WebhookReceiverStats>($"/_sim/webhooks/{name}", JsonSerializerOptions.Web, cancellationToken))!;

    /// <summary>Portal requests since the simulator's last reset, all of them and by transaction id.</summary>
    public async Task<PortalRequests> GetRequestsAsync(CancellationToken cancellationToken)
    {
        var stats = await http.GetFromJsonAsync<JsonElement>("/_sim/stats", cancellationToken);
        var byTransaction = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var transaction in stats.GetProperty("byTransaction").EnumerateObject())
        {
            byTransaction[transaction.Name] = transaction.Value.GetInt64();
        }

        return new PortalRequests(stats.GetProperty("total").GetInt64(), byTransaction);
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
    int HashMissingPolls,
    int PendingForSeconds = 0);

/// <summary>Body of <c>PUT /_sim/faults</c>: <c>none</c>, <c>down</c>, <c>error</c>, <c>slow</c>, <c>ratelimit</c>, <c>garbage</c>, <c>flaky</c>.</summary>
public sealed record PortalFault(string Mode, int? Status = null, int? DelayMs = null, int? RetryAfterSeconds = null, double? FailureRate = null, int? Seed = null);

public sealed record PortalRequests(long Total, IReadOnlyDictionary<string, long> ByTransaction);

/// <summary>
/// Body of <c>GET /_sim/webhooks/{name}</c>. The counts cover every delivery since the last reset (<see cref="Duplicates"/>:
/// validly signed deliveries of an event id seen before, retries of refused ones included); <see cref="Deliveries"/> holds
/// the most recent 1000, oldest first.
/// </summary>
public sealed record WebhookReceiverStats(
    long Received,
    long ValidSignatures,
    long InvalidSignatures,
    long UniqueEvents,
    long Duplicates,
    IReadOnlyDictionary<string, long> ByType,
    IReadOnlyDictionary<string, long> ByStatus,
    IReadOnlyList<ReceivedWebhook> Deliveries);

/// <summary>One delivery as the receiver recorded it; <see cref="AnsweredStatus"/> is 0 when the sender hung up first.</summary>
public sealed record ReceivedWebhook(
    string? EventId,
    string? Type,
    string? Reference,
    DateTimeOffset ReceivedAt,
    bool SignatureValid,
    int? AnsweredStatus);
