using System.Net;

namespace Payments.Consumer.Portal;

/// <summary>
/// A real failure talking to the portal: an error status, a timeout, a connection error or an answer that cannot be parsed.
/// The message carries the reason only; never the API key, never the response body.
/// </summary>
public sealed class PortalRequestException : Exception
{
    public PortalRequestException(HttpStatusCode? statusCode, string reason, Exception? innerException = null)
        : this(statusCode, reason, PortalFailureKind.Status, innerException)
    {
    }

    internal PortalRequestException(HttpStatusCode? statusCode, string reason, PortalFailureKind kind, Exception? innerException = null)
        : base($"Developer Portal request failed: {reason}", innerException)
    {
        StatusCode = statusCode;
        Reason = reason;
        Kind = kind;
    }

    /// <summary>The status the portal answered with; null for timeouts and connection errors.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Why the request failed, e.g. <c>unparsable portal response: ...</c>.</summary>
    public string Reason { get; }

    internal PortalFailureKind Kind { get; }
}

internal enum PortalFailureKind
{
    Status,
    Timeout,
    Connection,
    Unparsable,

    /// <summary>A 3xx: the client follows no redirects.</summary>
    Redirect,
}
