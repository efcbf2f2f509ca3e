using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Payments.PortalSimulator.Faults;
using Payments.PortalSimulator.Portal;
using Payments.PortalSimulator.Stats;
using Payments.PortalSimulator.Transactions;
using Payments.PortalSimulator.Webhooks;

namespace Payments.PortalSimulator;

/// <summary>
/// Builds the simulator. Public so that test projects can host it in-process on a loopback port
/// (<c>--urls http://127.0.0.1:0</c>) over real HTTP; the top-level <c>Program</c> stays internal so that a test project
/// referencing two web apps sees no clash.
/// </summary>
public static class PortalSimulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:5082";

    public static WebApplication Build(string[] args) => Build(args, TimeProvider.System);

    /// <summary>Builds the simulator on the given clock (a fake one in tests of timeouts and signature timestamps).</summary>
    public static WebApplication Build(string[] args, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var builder = WebApplication.CreateBuilder(args);
        // Lowest-priority defaults: per-request framework logs would dominate the cost of a load test against the simulator.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            },
        });
        if (!HasConfiguredEndpoints(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddSingleton(timeProvider);
        builder.AddPortalSimulator();

        var app = builder.Build();
        app.MapPortalSimulator();
        return app;
    }

    /// <summary>Builds and starts the simulator; returns once Kestrel is listening.</summary>
    public static Task<WebApplication> StartAsync(string[] args, CancellationToken cancellationToken = default) =>
        StartAsync(args, TimeProvider.System, cancellationToken);

    /// <summary>Builds and starts the simulator on the given clock; returns once Kestrel is listening.</summary>
    public static async Task<WebApplication> StartAsync(string[] args, TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        var app = Build(args, timeProvider);
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>The first address Kestrel bound, with the real port when it was started on port 0.</summary>
    public static Uri GetBaseAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("The simulator is not listening yet: start it before asking for its address.");
        return new Uri(first);
    }

    public static IHostApplicationBuilder AddPortalSimulator(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddPortalApi();
        builder.Services.AddSimulatedTransactions();
        builder.Services.AddFaultInjection();
        builder.Services.AddRequestStats();
        builder.Services.AddWebhookReceiver();
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplication MapPortalSimulator(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRequestStats();
        app.MapPortalApi();
        app.MapTransactionEndpoints();
        app.MapFaultEndpoints();
        app.MapStatsEndpoints();
        app.MapWebhookEndpoints();
        app.MapPost("/_sim/reset", (TransactionStore transactions, FaultInjector faults, RequestStats stats, WebhookReceiver webhooks, ILoggerFactory loggerFactory) =>
        {
            transactions.Clear();
            faults.Reset();
            stats.Reset();
            webhooks.Clear();
            Log.StateReset(loggerFactory.CreateLogger(typeof(PortalSimulatorApp).FullName!));
            return Results.NoContent();
        });
        app.MapHealthChecks("/health/live");
        return app;
    }

    // Only fall back to the documented port when nothing else (--urls, ASPNETCORE_URLS, HTTP_PORTS, Kestrel endpoints) was given.
    private static bool HasConfiguredEndpoints(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
        || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
        || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
