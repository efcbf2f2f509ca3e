using System.Net;

namespace Payments.CircuitBreaker;

/// <summary>Classifies HTTP calls to a remote service (the Developer Portal) for a breaker.</summary>
public static class HttpCallClassifier
{
    /// <summary>
    /// Failure: 5xx, 408, 429, 401, 403, timeouts (<see cref="TimeoutException"/>, or a cancellation whose inner exception is one,
    /// as <c>HttpClient</c> reports its timeout), connection errors (<see cref="HttpRequestException"/> without a status) and any
    /// other unexpected exception. Ignored: other 4xx, and cancellation (the caller gave up: it says nothing about the service).
    /// Success: 1xx, 2xx, 3xx (what a client that follows redirects sees of 3xx is a 304 to a conditional request; a client
    /// that does not follow them decides about a redirect itself, as the portal client does: a failure).
    /// </summary>
    public static CallOutcome Classify(HttpStatusCode? statusCode, Exception? exception)
    {
        if (exception is not null)
        {
            return ClassifyException(exception);
        }

        return statusCode is { } code ? ClassifyStatus((int)code) : CallOutcome.Success;
    }

    /// <summary>Classifies a response's status code alone.</summary>
    public static CallOutcome ClassifyStatus(int statusCode) => statusCode switch
    {
        >= 500 => CallOutcome.Failure,
        408 or 429 or 401 or 403 => CallOutcome.Failure,
        >= 400 => CallOutcome.Ignored,
        _ => CallOutcome.Success,
    };

    private static CallOutcome ClassifyException(Exception exception) => exception switch
    {
        TimeoutException => CallOutcome.Failure,
        OperationCanceledException { InnerException: TimeoutException } => CallOutcome.Failure,
        OperationCanceledException => CallOutcome.Ignored,
        HttpRequestException { StatusCode: { } code } => ClassifyStatus((int)code),
        _ => CallOutcome.Failure,
    };
}
