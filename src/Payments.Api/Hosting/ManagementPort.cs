using Payments.Infrastructure.Hosting;

namespace Payments.Api.Hosting;

/// <summary>
/// The API's management endpoint: <c>/metrics</c> and the health routes on a port of its own (<c>Api:ManagementUrl</c>,
/// default <see cref="DefaultUrl"/>), beside the public port. A request belongs to the management port when the connection
/// arrived on it (its local port), never by its Host header, which the client writes.
/// </summary>
internal sealed class ManagementPort(int port)
{
    public const string Setting = "Api:ManagementUrl";
    public const string DefaultUrl = "http://127.0.0.1:5079";

    public int Port { get; } = port;

    public bool Serves(HttpContext context) => context.Connection.LocalPort == Port;

    /// <summary>
    /// The port of <c>Api:ManagementUrl</c>, which must be stated (not 0): requests are told apart by it. Throws naming the
    /// setting when the address is not usable.
    /// </summary>
    public static (string Url, int Port) Parse(string? configured)
    {
        var url = string.IsNullOrWhiteSpace(configured) ? DefaultUrl : configured.Trim();
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{Setting} must be an http(s) address with a port, such as {DefaultUrl}.");
        }

        if (address.IsUnixPipe || address.IsNamedPipe || address.Port is < 1 or > 65535
            || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{Setting} must be an http(s) address with a port (1-65535), such as {DefaultUrl}.");
        }

        return (url, address.Port);
    }
}

internal static class ManagementPortExtensions
{
    /// <summary>
    /// Answers 404 to a management route (<c>/metrics</c>) on any other port, and to anything but the management and health
    /// routes on the management port. Runs after routing has chosen the endpoint and before authentication.
    /// </summary>
    public static WebApplication UseManagementPort(this WebApplication app)
    {
        var management = app.Services.GetRequiredService<ManagementPort>();
        app.Use((context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata;
            var allowed = management.Serves(context)
                ? metadata?.GetMetadata<ManagementEndpoint>() is not null || metadata?.GetMetadata<HealthEndpoint>() is not null
                : metadata?.GetMetadata<ManagementEndpoint>() is null;
            if (allowed)
            {
                return next(context);
            }

            // A bare 404, which the status code pages turn into a problem document.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }
}
