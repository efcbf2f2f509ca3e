using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.Load.Clients;

/// <summary>
/// The public HTTP contract of Payments.Api, as a mini-app backend uses it; with <paramref name="answers"/>, every answer
/// (or its absence) is counted there.
/// </summary>
public sealed class PaymentsApiClient(HttpClient http, string apiKey, AnswerCounts? answers = null)
{
    public async Task<string> InitiateAsync(
        string userId, string amount, string token, string recipient, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments")
        {
            Content = JsonContent.Create(new { userId, amount, token, recipient }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await SendAsync(request, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.Created, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("reference").GetString()!;
    }

    public async Task SubmitAsync(string reference, string transactionId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payments/{reference}/transaction")
        {
            Content = JsonContent.Create(new { transactionId }),
        };
        using var response = await SendAsync(request, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.Accepted, cancellationToken);
    }

    public async Task<PaymentStatus> GetAsync(string reference, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{reference}");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.OK, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<PaymentStatus>(JsonSerializerOptions.Web, cancellationToken))!;
    }

    public async Task<JsonElement> GetCircuitBreakersAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/api/health/circuit-breaker", cancellationToken);
        await EnsureAsync(response, HttpStatusCode.OK, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Add("X-Api-Key", apiKey);
        try
        {
            var response = await http.SendAsync(request, cancellationToken);
            answers?.Record((int)response.StatusCode);
            return response;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            answers?.RecordNoAnswer();
            throw;
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}, expected {(int)expected}: {Truncate(body)}",
                null,
                response.StatusCode);
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}

public sealed record PaymentStatus(
    string Reference,
    string Status,
    string? TransactionId,
    string? LastError,
    int VerificationAttempts,
    int CircuitDeferrals,
    int PendingChecks,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ConfirmedAt,
    WebhookStatus? Webhook);

/// <summary>Where the payment's latest webhook event stands (<c>webhook</c> of the status document); null when none was sent.</summary>
public sealed record WebhookStatus(
    Guid EventId,
    string Type,
    string Status,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    int? LastStatusCode,
    string? LastError)
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Undelivered = "undelivered";
}
