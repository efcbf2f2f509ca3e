using System.Diagnostics;
using System.Security.Claims;
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
    ApiKeyTable keys,
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

        var client = Options.Admin
            ? keys.IsAdminKey(values[0]!) ? ApiClaims.AdminName : null
            : keys.FindClient(values[0]!);
        if (client is null)
        {
            return Task.FromResult(AuthenticateResult.Fail($"Invalid {Options.HeaderName}."));
        }

        // Traces name the client, never the key.
        Activity.Current?.SetTag(ApiClaims.ClientTag, client);
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, client)], Scheme.Name);
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
}
