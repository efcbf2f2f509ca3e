using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.IntegrationTests.Api;

/// <summary>What a mini-app backend does against the running stack: initiate, register the payment, submit, poll.</summary>
public sealed class StackClient(ApiStackFixture stack, HttpClient? api = null)
{
    private readonly HttpClient _api = api ?? stack.Api;

    public const string Recipient = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public async Task<string> InitiateAsync(string amount, string token)
    {
        using var response = await _api.PostAsJsonAsync("/api/payments",
            new { userId = $"user-{Guid.NewGuid():N}", amount, token, recipient = Recipient });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("reference").GetString()!;
    }

    /// <summary>Tells the simulator about a payment made on chain; <paramref name="extra"/> adds or replaces fields.</summary>
    public async Task RegisterAsync(
        string transactionId,
        string reference,
        string token,
        string tokenAmount,
        int pendingPolls = 0,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        var registration = new Dictionary<string, object?>
        {
            ["transactionId"] = transactionId,
            ["reference"] = reference,
            ["to"] = Recipient.ToLowerInvariant(),
            ["token"] = token,
            ["tokenAmount"] = tokenAmount,
            ["finalStatus"] = "mined",
            ["pendingPolls"] = pendingPolls,
            ["hashMissingPolls"] = 0,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, object?>())
        {
            registration[key] = value;
        }

        using var response = await stack.Simulator.PostAsJsonAsync("/_sim/transactions", registration);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public Task<HttpResponseMessage> SubmitAsync(string reference, string transactionId) =>
        _api.PostAsJsonAsync($"/api/payments/{reference}/transaction", new { transactionId });

    public async Task SubmitAcceptedAsync(string reference, string transactionId)
    {
        using var submitted = await SubmitAsync(reference, transactionId);
        submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
    }

    public async Task<JsonElement> GetAsync(string reference)
    {
        using var response = await _api.GetAsync($"/api/payments/{reference}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A whole payment: initiate, pay exactly <paramref name="baseUnits"/> on chain, submit, and wait for the final status.</summary>
    public async Task<JsonElement> PayAsync(string amount, string token, string baseUnits)
    {
        var reference = await InitiateAsync(amount, token);
        var transactionId = NewTransactionId();
        await RegisterAsync(transactionId, reference, token, baseUnits);
        await SubmitAcceptedAsync(reference, transactionId);
        return await PollUntilFinalAsync(reference);
    }

    public Task<JsonElement> PollUntilFinalAsync(string reference) =>
        PollUntilAsync(reference, d => d.GetProperty("status").GetString() is "Confirmed" or "Failed" or "Expired" or "NeedsReview");

    public Task<JsonElement> PollUntilStatusAsync(string reference, string status) =>
        PollUntilAsync(reference, d => d.GetProperty("status").GetString() == status);

    /// <summary>Polls the status document until it satisfies <paramref name="condition"/> or the deadline passes.</summary>
    public async Task<JsonElement> PollUntilAsync(string reference, Func<JsonElement, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        while (true)
        {
            var document = await GetAsync(reference);
            if (condition(document))
            {
                return document;
            }

            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"still {document} after {Deadline}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>How many portal requests the simulator answered for <paramref name="transactionId"/>.</summary>
    public async Task<long> PortalRequestsForAsync(string transactionId)
    {
        var stats = await stack.Simulator.GetFromJsonAsync<JsonElement>("/_sim/stats");
        return stats.GetProperty("byTransaction").TryGetProperty(transactionId, out var count) ? count.GetInt64() : 0;
    }

    /// <summary>Every portal request the simulator answered so far.</summary>
    public async Task<long> PortalRequestsAsync() =>
        (await stack.Simulator.GetFromJsonAsync<JsonElement>("/_sim/stats")).GetProperty("total").GetInt64();

    /// <summary>Switches the simulated portal's fault (<c>none</c>, <c>down</c>, ...).</summary>
    public async Task SetFaultAsync(string mode)
    {
        using var response = await stack.Simulator.PutAsJsonAsync("/_sim/faults", new { mode });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public static string NewTransactionId() =>
        "0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
}
