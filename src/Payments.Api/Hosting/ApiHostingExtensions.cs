using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Payments.Api.Auth;
using Payments.Api.Idempotency;
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
        // A publish past its deadline (the broker did not confirm it) and a database that cannot be reached (restarting,
        // down, too slow: an Npgsql or timeout exception, also inside EF Core's wrapper) are 503s with
        // Api:Payments:RetryAfterSeconds, which clients retry; a 500 tells them not to.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => IsPublishTimeout(exception) || IsDatabaseUnreachable(exception)
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
            ExceptionHandler = context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var retryAfter = context.RequestServices.GetRequiredService<IOptions<PaymentsApiOptions>>().Value.RetryAfterSeconds;
                if (error is not null && IsPublishTimeout(error))
                {
                    return Problems.Unavailable(
                        context,
                        retryAfter,
                        title: "The payment service did not confirm the request in time.",
                        detail: "The message broker did not confirm the request. Retry later.").ExecuteAsync(context);
                }

                if (error is not null && IsDatabaseUnreachable(error))
                {
                    return Problems.Unavailable(
                        context,
                        retryAfter,
                        title: "The payment service cannot reach its database.",
                        detail: "The request was not completed. Retry later.").ExecuteAsync(context);
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

    private static bool IsPublishTimeout(Exception exception) => exception is PublishTimeoutException;

    /// <summary>The exception or one it wraps says the database cannot be reached now (<see cref="IdempotencyDbContext.IsUnreachable"/>).</summary>
    private static bool IsDatabaseUnreachable(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (IdempotencyDbContext.IsUnreachable(current))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"{scheme}://*:{port}");
}
