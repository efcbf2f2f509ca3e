using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Payments.IntegrationTests.Api;

namespace Payments.IntegrationTests.Webhooks;

/// <summary>One delivery as the simulator's receiver recorded it.</summary>
public sealed record ReceivedDelivery(
    string? EventId, string? Type, string? Reference, DateTimeOffset ReceivedAt, bool SignatureValid, int? AnsweredStatus, string? Signature, string Body);

/// <summary>The simulator's webhook receiver, as a test reads and steers it.</summary>
public sealed class WebhookReceiver(ApiStackFixture stack)
{
    public async Task SetFaultAsync(string endpoint, string mode, int status = 500, int delayMs = 60_000)
    {
        using var response = await stack.Simulator.PutAsJsonAsync($"/_sim/webhooks/{endpoint}/faults", new { mode, status, delayMs });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public async Task<IReadOnlyList<ReceivedDelivery>> DeliveriesAsync(string endpoint, string reference)
    {
        var document = await stack.Simulator.GetFromJsonAsync<JsonElement>($"/_sim/webhooks/{endpoint}");
        return document.GetProperty("deliveries").EnumerateArray()
            .Select(d => new ReceivedDelivery(
                Text(d, "eventId"), Text(d, "type"), Text(d, "reference"), d.GetProperty("receivedAt").GetDateTimeOffset(),
                d.GetProperty("signatureValid").GetBoolean(),
                d.GetProperty("answeredStatus").ValueKind == JsonValueKind.Number ? d.GetProperty("answeredStatus").GetInt32() : null,
                Text(d, "signature"), d.GetProperty("body").GetString()!))
            .Where(d => d.Reference == reference)
            .ToList();
    }

    /// <summary>Waits until <paramref name="endpoint"/> has received at least <paramref name="count"/> deliveries about <paramref name="reference"/>.</summary>
    public async Task<IReadOnlyList<ReceivedDelivery>> WaitForDeliveriesAsync(string endpoint, string reference, int count, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? StackClient.Deadline);
        while (true)
        {
            var deliveries = await DeliveriesAsync(endpoint, reference);
            if (deliveries.Count >= count)
            {
                return deliveries;
            }

            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"{endpoint} received {deliveries.Count} of {count} deliveries for {reference}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// The receiver's check exactly as docs/webhooks.md gives it: split the header, refuse a timestamp outside the tolerance,
/// compute HMAC-SHA256 over "{t}.{body}" with the secret, compare in constant time with each v1 entry.
/// </summary>
public static class DocumentedSignatureCheck
{
    public static bool Verify(string header, string body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2)
            {
                return false;
            }

            if (pair[0] == "t" && long.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (pair[0] == "v1")
            {
                signatures.Add(pair[1]);
            }
        }

        if (timestamp is null || Math.Abs(now.ToUnixTimeSeconds() - timestamp.Value) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        Span<byte> received = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var signature in signatures)
        {
            if (Convert.FromHexString(signature, received, out _, out var written) == OperationStatus.Done && written == received.Length
                && CryptographicOperations.FixedTimeEquals(received, expected))
            {
                return true;
            }
        }

        return false;
    }
}
