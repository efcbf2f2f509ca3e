using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Webhooks;

/// <summary>How one POST to an endpoint went.</summary>
/// <param name="Delivered">The endpoint answered 2xx.</param>
/// <param name="StatusCode">The status it answered, or null when it answered none.</param>
/// <param name="Error">Why it was not delivered, in words fit for the client's status document; null when delivered.</param>
public sealed record WebhookAttempt(bool Delivered, int? StatusCode, string? Error);

/// <summary>
/// POSTs one signed event. No redirect is followed (a 3xx is a failed attempt: the event must reach the configured URL),
/// the whole exchange has <see cref="WebhookDeliveryOptions.Timeout"/>, and at most
/// <see cref="WebhookDeliveryOptions.MaxResponseBytes"/> of the answer is read (and thrown away: only the status matters).
/// </summary>
public sealed class WebhookSender(HttpClient httpClient, IOptions<WebhookDeliveryOptions> options, TimeProvider time)
{
    public const string EventIdHeader = "Payments-Event-Id";
    public const string EventTypeHeader = "Payments-Event-Type";

    private readonly WebhookDeliveryOptions _options = options.Value;

    public async Task<WebhookAttempt> SendAsync(Uri url, IReadOnlyList<string> secrets, WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new StringContent(webhookEvent.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation(
            WebhookSignature.HeaderName, WebhookSignature.Create(time.GetUtcNow().ToUnixTimeSeconds(), webhookEvent.Body, secrets));
        request.Headers.TryAddWithoutValidation(EventIdHeader, webhookEvent.Id.ToString());
        request.Headers.TryAddWithoutValidation(EventTypeHeader, webhookEvent.Type);

        using var timeout = new CancellationTokenSource(_options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            await DrainAsync(response, linked.Token);
            var status = (int)response.StatusCode;
            return status switch
            {
                >= 200 and < 300 => new WebhookAttempt(true, status, null),
                >= 300 and < 400 => new WebhookAttempt(false, status, Invariant($"endpoint answered {status}, a redirect, which is not followed")),
                _ => new WebhookAttempt(false, status, Invariant($"endpoint answered {status}")),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            return new WebhookAttempt(false, null, Invariant($"endpoint did not answer within {_options.Timeout.TotalSeconds} s"));
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The error kind only: the exception's text names hosts and addresses.
            return new WebhookAttempt(false, null, $"endpoint unreachable ({exception.HttpRequestError})");
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(false, null, "endpoint connection broken");
        }
    }

    /// <summary>Reads at most the configured number of bytes of the answer; whatever lies beyond is never downloaded.</summary>
    private async Task DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (_options.MaxResponseBytes == 0)
        {
            return;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(_options.MaxResponseBytes, 4096));
        try
        {
            var remaining = _options.MaxResponseBytes;
            while (remaining > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(remaining, buffer.Length)), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
