using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Payments.Api.Auth;

internal sealed class ApiKeySchemeOptions : AuthenticationSchemeOptions
{
    public string HeaderName { get; set; } = ApiKeyDefaults.ClientHeader;

    public bool Admin { get; set; }
}

/// <summary>Authenticates a request by a key in a header; a missing or wrong key answers 401 problem+json.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeySchemeOptions> schemeOptions,
    IOptionsMonitor<ApiKeyOptions> keys,
    IProblemDetailsService problemDetails,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder)
    : AuthenticationHandler<ApiKeySchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Options.HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var current = keys.CurrentValue;
        var accepted = Options.Admin ? [current.AdminKey] : current.ClientKeys();
        if (!Matches(values[0]!, accepted))
        {
            return Task.FromResult(AuthenticateResult.Fail($"Invalid {Options.HeaderName}."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, Options.Admin ? "admin" : "client")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Log.KeyRejected(Logger, Request.Path, Options.HeaderName);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized.",
                Detail = $"A valid {Options.HeaderName} header is required.",
            },
        });
    }

    /// <summary>
    /// Compares hashes in constant time and checks every key without stopping at a match, so neither the length nor the
    /// position of a key shows in the response time.
    /// </summary>
    private static bool Matches(string presented, IEnumerable<string> accepted)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> keyHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        var match = false;
        foreach (var key in accepted)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(key), keyHash);
            match |= CryptographicOperations.FixedTimeEquals(presentedHash, keyHash);
        }

        return match;
    }
}
