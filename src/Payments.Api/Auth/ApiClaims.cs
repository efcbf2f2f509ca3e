using System.Security.Claims;

namespace Payments.Api.Auth;

/// <summary>Who a request speaks for: the client name its key belongs to (the principal's name), never the key.</summary>
internal static class ApiClaims
{
    public const string AdminName = "admin";

    /// <summary>Tag on the request's trace.</summary>
    public const string ClientTag = "payments.client";

    /// <summary>The authenticated client's name; only for routes behind the client policy.</summary>
    public static string ClientName(this ClaimsPrincipal user) =>
        user.Identity?.Name ?? throw new InvalidOperationException("The request has no authenticated client.");
}
