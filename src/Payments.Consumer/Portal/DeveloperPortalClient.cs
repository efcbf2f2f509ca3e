using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Consumer.CircuitBreakers;
using Breaker = Payments.CircuitBreaker.CircuitBreaker;

namespace Payments.Consumer.Portal;

/// <summary>
/// Typed client for <c>GET /api/v2/minikit/transaction/{id}</c>, guarded by the <c>DeveloperPortal</c> breaker through its
/// non-throwing <see cref="Breaker.TryAcquire"/> path.
/// </summary>
/// <remarks>
/// Breaker outcomes: a 200 that parses and a 404 are successes (the portal answered, so it is healthy: a 404 says the
/// transaction is unknown, not that the portal is failing); a 200 that does not parse, timeouts and connection errors are
/// failures; a 3xx is a failure (below); other statuses follow <see cref="HttpCallClassifier"/> (5xx, 408, 429, 401, 403 fail;
/// other 4xx are ignored); the caller's cancellation is ignored.
/// <para>
/// Redirects are not followed (the primary handler has <c>AllowAutoRedirect</c> off), so a 3xx reaches this client. The
/// generic classifier counts a 3xx as a success, which holds for a client that follows redirects; here it means the portal
/// gave no answer about the transaction, and every call to the same URL will get the same (a moved API, a wrong
/// <c>DeveloperPortal:BaseUrl</c>, a proxy's login page). It is a failure: the verification is retried like any real failure,
/// and a portal that only redirects opens the breaker instead of burning every message's retries behind a closed one.
/// </para>
/// </remarks>
internal sealed class DeveloperPortalClient(
    HttpClient httpClient,
    ICircuitBreakerRegistry breakers,
    IOptions<DeveloperPortalOptions> options,
    PortalTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<DeveloperPortalClient> logger,
    CircuitBreakerFleet? fleet = null) : IDeveloperPortalClient
{
    private readonly Breaker _breaker = breakers.Get(CircuitBreakerPresets.DeveloperPortal);
    private readonly DeveloperPortalOptions _options = options.Value;

    public async ValueTask<PortalLookup> GetTransactionAsync(string transactionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(transactionId);

        // A starting instance first hears whether its peers wait out an outage; until then it is as good as open.
        if (fleet is not null && !fleet.HasJoined(out var joinWait))
        {
            Log.PortalCircuitOpen(logger, transactionId, _breaker.Name, joinWait);
            return new PortalLookup.CircuitOpen(_breaker.Name, joinWait);
        }

        if (!_breaker.TryAcquire(out var permit, out var retryAfter))
        {
            Log.PortalCircuitOpen(logger, transactionId, _breaker.Name, retryAfter);
            return new PortalLookup.CircuitOpen(_breaker.Name, retryAfter, _breaker.State == CircuitState.HalfOpen);
        }

        var started = timeProvider.GetTimestamp();
        PortalLookup? lookup = null;
        Exception? failure = null;
        CallOutcome outcome;
        string recorded;
        try
        {
            lookup = await SendAsync(transactionId, cancellationToken);
            outcome = CallOutcome.Success;
            recorded = lookup is PortalLookup.Found ? PortalTelemetry.OutcomeFound : PortalTelemetry.OutcomeNotFound;
        }
        catch (OperationCanceledException exception) when (cancellationToken.IsCancellationRequested)
        {
            (failure, outcome, recorded) = (exception, CallOutcome.Ignored, PortalTelemetry.OutcomeCancelled);
        }
        catch (PortalRequestException exception)
        {
            (failure, outcome, recorded) = (exception, Classify(exception), PortalTelemetry.OutcomeOf(exception));
        }
        catch (Exception exception)
        {
            // Unexpected: still a failure of this call, and the permit must not leak.
            (failure, outcome, recorded) = (exception, CallOutcome.Failure, PortalTelemetry.OutcomeError);
        }

        // The one Complete of this permit, outside any try: telemetry or logging that throws below is not the portal's health
        // and must not complete it a second time.
        permit.Complete(outcome, failure);
        var elapsed = timeProvider.GetElapsedTime(started);
        telemetry.RecordRequest(elapsed, recorded);
        if (failure is not null)
        {
            if (failure is PortalRequestException requestFailure)
            {
                Log.PortalRequestFailed(
                    logger,
                    transactionId,
                    requestFailure.StatusCode is { } status ? (int)status : null,
                    requestFailure.Reason,
                    elapsed.TotalMilliseconds);
            }

            // Rethrown with its original stack, as the catch blocks' throw did.
            ExceptionDispatchInfo.Throw(failure);
        }

        Log.PortalAnswered(logger, transactionId, recorded, elapsed.TotalMilliseconds);
        return lookup!;
    }

    internal static CallOutcome Classify(PortalRequestException exception) => exception.Kind switch
    {
        PortalFailureKind.Redirect => CallOutcome.Failure,
        PortalFailureKind.Status when exception.StatusCode is { } status => HttpCallClassifier.ClassifyStatus((int)status),
        _ => CallOutcome.Failure,
    };

    private async Task<PortalLookup> SendAsync(string transactionId, CancellationToken cancellationToken)
    {
        var path = string.Create(
            CultureInfo.InvariantCulture,
            $"api/v2/minikit/transaction/{Uri.EscapeDataString(transactionId)}?app_id={Uri.EscapeDataString(_options.AppId)}&type=payment");

        // Our own timeout (HttpClient.Timeout is infinite) so that a timeout is told apart from the caller's cancellation.
        using var timeout = new CancellationTokenSource(_options.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await httpClient.GetAsync(path, HttpCompletionOption.ResponseContentRead, linked.Token);
            var body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            return response.StatusCode switch
            {
                // Any 2xx must carry the transaction: an empty 204 is as unparsable as garbage.
                >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices =>
                    new PortalLookup.Found(PortalResponseParser.Parse(body, transactionId)),
                HttpStatusCode.NotFound when IsNotFoundAnswer(body) => new PortalLookup.NotFound(),
                HttpStatusCode.NotFound => throw new PortalRequestException(
                    HttpStatusCode.NotFound, "404 without the portal's not_found code (is DeveloperPortal:BaseUrl right?)"),
                // The Location is not quoted: it is the remote's text, and may name hosts.
                >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest => throw new PortalRequestException(
                    response.StatusCode,
                    string.Create(CultureInfo.InvariantCulture, $"portal answered {(int)response.StatusCode}, a redirect, which is not followed (is DeveloperPortal:BaseUrl right?)"),
                    PortalFailureKind.Redirect),
                var status => throw new PortalRequestException(status, Describe(response)),
            };
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw new PortalRequestException(
                null,
                $"no answer within {_options.Timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms",
                PortalFailureKind.Timeout,
                new TimeoutException(exception.Message, exception));
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PortalRequestException(
                null, $"connection error ({exception.HttpRequestError}): {exception.Message}", PortalFailureKind.Connection, exception);
        }
        catch (IOException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PortalRequestException(null, $"connection error: {exception.Message}", PortalFailureKind.Connection, exception);
        }
    }

    // A 404 is only "unknown transaction" when the portal says so; a 404 page from a wrong base URL or a proxy must not reject
    // a payment.
    private static bool IsNotFoundAnswer(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String
                && string.Equals(code.GetString(), "not_found", StringComparison.OrdinalIgnoreCase);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = string.Create(CultureInfo.InvariantCulture, $"portal answered {status} {response.ReasonPhrase}");
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            text += retryAfter.Delta is { } delta
                ? string.Create(CultureInfo.InvariantCulture, $", retry after {delta.TotalSeconds} s")
                : $", retry after {retryAfter.Date:O}";
        }

        return text;
    }
}
