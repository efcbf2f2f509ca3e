using Payments.Api.Payments;

namespace Payments.Api.Hosting;

internal static class ApiHostingExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Loopback port 5080 unless <c>Urls</c>/<c>--urls</c>, <c>HTTP_PORTS</c> or Kestrel endpoints say otherwise.</summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"])
            && string.IsNullOrEmpty(configuration["http_ports"])
            && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

    /// <summary>Problem details for every error (including empty 404/405 answers) and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddApiDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(options => options.AddApiKeySecurity().AddClosedRequestSchemas());
        return builder;
    }

    public static WebApplication UseApiDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
