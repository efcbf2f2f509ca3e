using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.Load.Clients;

/// <summary>RabbitMQ's management API, as the tool reads it: the messages in the virtual host's <c>_error</c> queues.</summary>
public static class BrokerQueues
{
    public static async Task<long> CountErrorMessagesAsync(HttpClient management, string virtualHost, CancellationToken cancellationToken)
    {
        var queues = await management.GetFromJsonAsync<JsonElement>(
            $"/api/queues/{Uri.EscapeDataString(virtualHost)}?columns=name,messages", cancellationToken);
        return queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal))
            .Sum(q => q.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0);
    }

    /// <summary>Consumers on each of <paramref name="queues"/>, from the first of a cluster's nodes that answers.</summary>
    public static async Task<IReadOnlyDictionary<string, int>> CountConsumersAsync(
        IReadOnlyList<HttpClient> managements, string virtualHost, IReadOnlyCollection<string> queues, CancellationToken cancellationToken) =>
        await FirstAnswerAsync(managements, async management =>
        {
            var all = await management.GetFromJsonAsync<JsonElement>(
                $"/api/queues/{Uri.EscapeDataString(virtualHost)}?columns=name,consumers", cancellationToken);
            return (IReadOnlyDictionary<string, int>)queues.ToDictionary(
                q => q,
                q => all.EnumerateArray()
                    .Where(e => e.GetProperty("name").GetString() == q)
                    .Select(e => e.TryGetProperty("consumers", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0)
                    .FirstOrDefault(),
                StringComparer.Ordinal);
        }, cancellationToken);

    /// <summary>
    /// The same count from the first of a cluster's nodes that answers (the suite stops nodes on purpose); throws when none
    /// does.
    /// </summary>
    public static Task<long> CountErrorMessagesAsync(IReadOnlyList<HttpClient> managements, string virtualHost, CancellationToken cancellationToken) =>
        FirstAnswerAsync(managements, management => CountErrorMessagesAsync(management, virtualHost, cancellationToken), cancellationToken);

    private static async Task<T> FirstAnswerAsync<T>(IReadOnlyList<HttpClient> managements, Func<HttpClient, Task<T>> read, CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        foreach (var management in managements)
        {
            try
            {
                return await read(management);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failures.Add(exception);
            }
        }

        throw new AggregateException("no RabbitMQ management API answered", failures);
    }
}
