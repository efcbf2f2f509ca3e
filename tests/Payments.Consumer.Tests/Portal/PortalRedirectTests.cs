using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Payments.CircuitBreaker;
using Payments.Consumer.Portal;
using Payments.PortalSimulator;

namespace Payments.Consumer.Tests.Portal;

/// <summary>
/// A real HTTP server in front of the simulator that answers every request with 302 pointing at the simulator's own, valid
/// answer: the client must neither follow it nor count it as a success.
/// </summary>
public sealed class PortalRedirectTests : IAsyncLifetime
{
    private WebApplication _redirector = null!;
    private Uri? _target;
    private int _redirected;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _redirector = builder.Build();
        _redirector.Run(context =>
        {
            Interlocked.Increment(ref _redirected);
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = new Uri(_target!, context.Request.Path + context.Request.QueryString).ToString();
            return Task.CompletedTask;
        });
        await _redirector.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _redirector.StopAsync();
        await _redirector.DisposeAsync();
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_fails_the_call()
    {
        await using var portal = await PortalClientHarness.StartAsync(portalAddress: _redirector.GetBaseAddress());
        _target = portal.SimulatorAddress;
        var transactionId = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(transactionId);

        var failure = await Should.ThrowAsync<PortalRequestException>(
            () => portal.Client.GetTransactionAsync(transactionId, CancellationToken.None).AsTask());

        failure.StatusCode.ShouldBe(System.Net.HttpStatusCode.Found);
        failure.Reason.ShouldContain("redirect");
        failure.Reason.ShouldNotContain(_target.Authority);
        DeveloperPortalClient.Classify(failure).ShouldBe(CallOutcome.Failure);
        Volatile.Read(ref _redirected).ShouldBe(1);
        (await portal.SimulatorRequestCountAsync()).ShouldBe(0);
        var stats = portal.Breaker.GetStats();
        stats.TotalFailures.ShouldBe(1);
        stats.TotalSuccesses.ShouldBe(0);
    }

    [Fact]
    public async Task A_portal_that_only_redirects_opens_the_breaker()
    {
        await using var portal = await PortalClientHarness.StartAsync(portalAddress: _redirector.GetBaseAddress());
        _target = portal.SimulatorAddress;
        const int threshold = 5; // the DeveloperPortal preset

        for (var call = 0; call < threshold; call++)
        {
            await Should.ThrowAsync<PortalRequestException>(
                () => portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None).AsTask());
        }

        portal.Breaker.State.ShouldBe(CircuitState.Open);
        var lookup = await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None);
        lookup.ShouldBeOfType<PortalLookup.CircuitOpen>();
        Volatile.Read(ref _redirected).ShouldBe(threshold);
    }
}
