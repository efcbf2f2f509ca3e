using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Payments.Api.Tests.Testing;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// The API on real Kestrel ports: <c>/metrics</c> only on the management port, the health routes on both, the API only on the
/// public port; decided by the port the connection arrived on, whatever the Host header says.
/// </summary>
public sealed class ManagementPortTests(KestrelApiFactory factory) : IClassFixture<KestrelApiFactory>
{
    [Fact]
    public async Task Serves_metrics_on_the_management_port_only()
    {
        using var client = new HttpClient();

        using var management = await client.GetAsync(factory.Management("/metrics"));
        using var onPublic = await client.GetAsync(factory.Public("/metrics"));

        management.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await management.Content.ReadAsStringAsync()).ShouldContain("# TYPE ");
        await onPublic.ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task Serves_the_health_routes_on_both_ports()
    {
        using var client = new HttpClient();

        using var liveManagement = await client.GetAsync(factory.Management("/health/live"));
        using var livePublic = await client.GetAsync(factory.Public("/health/live"));
        using var readyManagement = await client.GetAsync(factory.Management("/health/ready"));
        using var readyPublic = await client.GetAsync(factory.Public("/health/ready"));

        liveManagement.StatusCode.ShouldBe(HttpStatusCode.OK);
        livePublic.StatusCode.ShouldBe(HttpStatusCode.OK);
        // Readiness depends on the database this test host may not have; it is answered the same on both ports.
        readyManagement.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable);
        readyPublic.StatusCode.ShouldBe(readyManagement.StatusCode);
    }

    [Fact]
    public async Task Serves_no_api_route_on_the_management_port()
    {
        var payment = factory.Reader.Add("AwaitingTransaction");
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.ApiKey);

        using var management = await client.GetAsync(factory.Management($"/api/payments/{payment.Reference}"));
        using var onPublic = await client.GetAsync(factory.Public($"/api/payments/{payment.Reference}"));

        await management.ShouldBeProblemAsync(404);
        onPublic.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_host_header_naming_the_management_port_does_not_open_metrics_on_the_public_port()
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, factory.Public("/metrics"));
        request.Headers.Host = $"127.0.0.1:{factory.ManagementPort}";

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(404);
    }
}

/// <summary>The API on Kestrel: a public and a management port on loopback, both chosen free.</summary>
public sealed class KestrelApiFactory : ApiFactory
{
    public KestrelApiFactory()
    {
        UseKestrel();
        StartServer();
    }

    public int PublicPort { get; } = FreePort();

    public int ManagementPort { get; } = FreePort();

    public Uri Public(string path) => new($"http://127.0.0.1:{PublicPort}{path}");

    public Uri Management(string path) => new($"http://127.0.0.1:{ManagementPort}{path}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", $"http://127.0.0.1:{PublicPort}");
        builder.UseSetting("Api:ManagementUrl", $"http://127.0.0.1:{ManagementPort}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
