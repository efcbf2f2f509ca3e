using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Payments.Api.Auth;
using Payments.Api.Payments;
using Payments.Api.Reviews;
using Payments.Api.Validation;
using Payments.Infrastructure.Messaging;

namespace Payments.Api.Hosting;

internal static class ApiHostingExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// The public port (loopback 5080 unless <c>Urls</c>/<c>--urls</c>, <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c> or Kestrel
    /// endpoints say otherwise) and, beside it, the management port of <c>Api:ManagementUrl</c> (loopback 5079).
    /// </summary>
    public static WebApplicationBuilder UseApiUrls(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var (managementUrl, managementPort) = ManagementPort.Parse(configuration[ManagementPort.Setting]);
        builder.Services.AddSingleton(new ManagementPort(managementPort));

        if (configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            // Kestrel's endpoints replace every URL setting; the management endpoint joins them unless declared there.
            if (!configuration.GetSection("Kestrel:Endpoints:Management").Exists())
            {
                configuration["Kestrel:Endpoints:Management:Url"] = managementUrl;
            }

            return builder;
        }

        // Setting the URLs replaces HTTP_PORTS and HTTPS_PORTS, so their ports are carried over.
        var publicUrls = configuration["urls"] is { Length: > 0 } urls
            ? urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. Ports(configuration["http_ports"], "http"), .. Ports(configuration["https_ports"], "https")];
        if (publicUrls.Length == 0)
        {
            publicUrls = [DefaultUrl];
        }

        if (publicUrls.Any(url => BindingAddress.Parse(url).Port == managementPort))
        {
            throw new InvalidOperationException($"{ManagementPort.Setting} must name another port than the public URLs.");
        }

        builder.WebHost.UseUrls([.. publicUrls, managementUrl]);
        return builder;
    }

    /// <summary>Problem details for every error (including empty 404/405 answers) and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddApiDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(options => options.AddApiKeySecurity().AddClosedRequestSchemas().AddReviewSchemas().AddResponseContract());
        return builder;
    }

    public static WebApplication UseApiDefaults(this WebApplication app)
    {
        // An unhandled exception answers a generic 500 problem+json whatever the Accept header, in every environment (inside
        // the developer exception page): exception text names hosts, ports and internals. The middleware logs the exception.
        // A publish past its deadline (the broker did not confirm it) is a 503 with Api:Payments:RetryAfterSeconds.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is PublishTimeoutException
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
            ExceptionHandler = context =>
            {
                if (context.Features.Get<IExceptionHandlerFeature>()?.Error is PublishTimeoutException)
                {
                    return Problems.Unavailable(
                        context,
                        context.RequestServices.GetRequiredService<IOptions<PaymentsApiOptions>>().Value.RetryAfterSeconds,
                        title: "The payment service did not confirm the request in time.",
                        detail: "The message broker did not confirm the request. Retry later.").ExecuteAsync(context);
                }

                return TypedResults.Problem(
                    statusCode: StatusCodes.Status500InternalServerError,
                    title: "An unexpected error occurred.").ExecuteAsync(context);
            },
        });
        app.UseStatusCodePages();
        app.UseManagementPort();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().RequireAuthorization(ApiKeyDefaults.OpenApiPolicy);
        return app;
    }

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"{scheme}://*:{port}");
}
