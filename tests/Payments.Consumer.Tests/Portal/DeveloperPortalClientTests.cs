using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Consumer.Portal;

namespace Payments.Consumer.Tests.Portal;

public sealed class DeveloperPortalClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Finds_a_mined_transaction_in_either_casing_with_every_field(bool camelCase)
    {
        await using var portal = await PortalClientHarness.StartAsync(camelCase: camelCase);
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id, token: "WLD", tokenAmount: "2500000000000000000");

        var lookup = await portal.Client.GetTransactionAsync(id, CancellationToken.None);

        var found = lookup.ShouldBeOfType<PortalLookup.Found>().Transaction;
        found.TransactionId.ShouldBe(id);
        found.Status.ShouldBe("mined");
        found.TransactionHash!.ShouldMatch("^0x[a-f0-9]{64}$");
        found.Reference.ShouldBe(PortalClientHarness.Reference);
        found.Recipient.ShouldBe(PortalClientHarness.Recipient);
        found.Token.ShouldBe("WLD");
        found.TokenAmount.ShouldBe("2500000000000000000");
        portal.Breaker.GetStats().TotalSuccesses.ShouldBe(1);
    }

    [Fact]
    public async Task Reports_a_pending_transaction_without_a_hash()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id, pendingPolls: 1);

        var first = (PortalLookup.Found)await portal.Client.GetTransactionAsync(id, CancellationToken.None);
        var second = (PortalLookup.Found)await portal.Client.GetTransactionAsync(id, CancellationToken.None);

        first.Transaction.Status.ShouldBe("pending");
        first.Transaction.TransactionHash.ShouldBeNull();
        second.Transaction.Status.ShouldBe("mined");
        second.Transaction.TransactionHash.ShouldNotBeNull();
    }

    [Fact]
    public async Task Returns_not_found_for_an_unknown_transaction_and_counts_it_as_a_breaker_success()
    {
        await using var portal = await PortalClientHarness.StartAsync();

        var lookup = await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None);

        lookup.ShouldBeOfType<PortalLookup.NotFound>();
        var stats = portal.Breaker.GetStats();
        stats.TotalSuccesses.ShouldBe(1);
        stats.TotalFailures.ShouldBe(0);
    }

    [Fact]
    public async Task A_404_that_is_not_the_portal_not_found_answer_throws_instead_of_reporting_an_unknown_transaction()
    {
        await using var portal = await PortalClientHarness.StartAsync(basePath: "/wrong-prefix");
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));

        exception.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        exception.Reason.ShouldContain("not_found");
        portal.Breaker.GetStats().TotalSuccesses.ShouldBe(0);
    }

    [Fact]
    public async Task A_garbage_body_throws_with_the_unparsable_reason_and_is_a_breaker_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);
        await portal.SetFaultAsync(new { mode = "garbage" });

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));

        exception.StatusCode.ShouldBe(HttpStatusCode.OK);
        exception.Reason.ShouldStartWith("unparsable portal response: ");
        exception.Message.ShouldContain(exception.Reason);
        AssertOneFailure(portal);
    }

    [Fact]
    public async Task Down_is_a_connection_error_and_a_breaker_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        await portal.SetFaultAsync(new { mode = "down" });

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        exception.StatusCode.ShouldBeNull();
        exception.Reason.ShouldStartWith("connection error");
        exception.InnerException.ShouldBeAssignableTo<HttpRequestException>();
        AssertOneFailure(portal);
    }

    [Fact]
    public async Task Down_after_a_kept_alive_connection_reaches_the_simulator_once_per_call()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);
        (await portal.Client.GetTransactionAsync(id, CancellationToken.None)).ShouldBeOfType<PortalLookup.Found>();
        await portal.SetFaultAsync(new { mode = "down" });

        for (var i = 0; i < 3; i++)
        {
            await Should.ThrowAsync<PortalRequestException>(async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));
        }

        (await portal.SimulatorRequestCountAsync()).ShouldBe(4);
    }

    [Fact]
    public async Task Error_503_is_a_breaker_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        await portal.SetFaultAsync(new { mode = "error" });

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        exception.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        AssertOneFailure(portal);
    }

    [Fact]
    public async Task Ratelimit_429_is_a_breaker_failure_and_keeps_the_retry_after_in_the_reason()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        await portal.SetFaultAsync(new { mode = "ratelimit", retryAfterSeconds = 12 });

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        exception.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        exception.Reason.ShouldContain("retry after 12 s");
        AssertOneFailure(portal);
    }

    [Fact]
    public async Task Slow_beyond_the_client_timeout_is_a_timeout_and_a_breaker_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync(timeout: TimeSpan.FromMilliseconds(200));
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);
        await portal.SetFaultAsync(new { mode = "slow", delayMs = 5000 });

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));

        exception.StatusCode.ShouldBeNull();
        exception.Reason.ShouldBe("no answer within 200 ms");
        exception.InnerException.ShouldBeOfType<TimeoutException>();
        AssertOneFailure(portal);
    }

    [Fact]
    public async Task A_wrong_api_key_is_a_401_and_a_breaker_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync(clientKey: "not-the-key");

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        exception.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        AssertOneFailure(portal);
    }

    [Fact]
    public async Task Another_4xx_throws_but_is_ignored_by_the_breaker()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        await portal.SetFaultAsync(new { mode = "error", status = 422 });

        var exception = await Should.ThrowAsync<PortalRequestException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        exception.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var stats = portal.Breaker.GetStats();
        stats.TotalFailures.ShouldBe(0);
        stats.TotalIgnored.ShouldBe(1);
        stats.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public async Task After_five_failures_the_next_call_returns_circuit_open_without_reaching_the_simulator()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        await portal.SetFaultAsync(new { mode = "error", status = 503 });
        var id = PortalClientHarness.NewTransactionId();

        for (var i = 0; i < 5; i++)
        {
            await Should.ThrowAsync<PortalRequestException>(async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));
        }

        var lookup = await portal.Client.GetTransactionAsync(id, CancellationToken.None);

        var open = lookup.ShouldBeOfType<PortalLookup.CircuitOpen>();
        open.BreakerName.ShouldBe(CircuitBreakerPresets.DeveloperPortal);
        open.RetryAfter.ShouldBeGreaterThan(TimeSpan.Zero);
        open.RetryAfter.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(30));
        (await portal.SimulatorRequestCountAsync()).ShouldBe(5);
        portal.Breaker.GetStats().TotalRejected.ShouldBe(1);
    }

    [Fact]
    public async Task Closes_again_through_half_open_probes_once_the_portal_is_back()
    {
        await using var portal = await PortalClientHarness.StartAsync(breakerOpenTimeout: TimeSpan.FromMilliseconds(300));
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);
        await portal.SetFaultAsync(new { mode = "down" });
        for (var i = 0; i < 5; i++)
        {
            await Should.ThrowAsync<PortalRequestException>(async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));
        }

        portal.Breaker.State.ShouldBe(CircuitState.Open);
        await portal.SetFaultAsync(new { mode = "none" });

        // Bounded wait on the observable condition: the open window ends and a probe is let through.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        PortalLookup lookup;
        while ((lookup = await portal.Client.GetTransactionAsync(id, CancellationToken.None)) is PortalLookup.CircuitOpen open)
        {
            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, "the breaker never let a probe through");
            await Task.Delay(open.RetryAfter + TimeSpan.FromMilliseconds(20));
        }

        lookup.ShouldBeOfType<PortalLookup.Found>();
        (await portal.Client.GetTransactionAsync(id, CancellationToken.None)).ShouldBeOfType<PortalLookup.Found>();
        portal.Breaker.State.ShouldBe(CircuitState.Closed);
        (await portal.SimulatorRequestCountAsync()).ShouldBe(7);
    }

    [Fact]
    public async Task A_caller_cancellation_is_rethrown_and_ignored_by_the_breaker()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);
        await portal.SetFaultAsync(new { mode = "slow", delayMs = 5000 });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Exception? thrown = null;
        try
        {
            await portal.Client.GetTransactionAsync(id, cancellation.Token);
        }
        catch (Exception exception)
        {
            thrown = exception;
        }

        thrown.ShouldBeAssignableTo<OperationCanceledException>();
        var stats = portal.Breaker.GetStats();
        stats.TotalFailures.ShouldBe(0);
        stats.TotalIgnored.ShouldBe(1);
    }

    [Fact]
    public async Task The_api_key_never_reaches_a_log_or_an_exception_message()
    {
        const string Secret = "portal-secret-5f0c1d2e";
        await using var portal = await PortalClientHarness.StartAsync(
            simulatorKey: Secret, clientKey: Secret, timeout: TimeSpan.FromMilliseconds(300));
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);
        var messages = new List<string>();

        (await portal.Client.GetTransactionAsync(id, CancellationToken.None)).ShouldBeOfType<PortalLookup.Found>();
        foreach (var fault in new object[]
        {
            new { mode = "error" }, new { mode = "garbage" }, new { mode = "down" }, new { mode = "slow", delayMs = 3000 },
        })
        {
            await portal.SetFaultAsync(fault);
            var exception = await Should.ThrowAsync<PortalRequestException>(
                async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));
            for (Exception? e = exception; e is not null; e = e.InnerException)
            {
                messages.Add(e.ToString());
            }
        }

        var records = portal.Logs.GetSnapshot();
        records.ShouldNotBeEmpty();
        messages.AddRange(records.Select(r => r.Message + " " + string.Join(' ', r.StructuredState?.Select(s => s.Value) ?? [])));
        messages.ShouldAllBe(m => !m.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Records_request_latency_with_the_outcome()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        using var collector = new MetricCollector<double>(
            portal.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            PortalTelemetry.MeterName,
            PortalTelemetry.RequestDurationInstrument);
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);

        await portal.Client.GetTransactionAsync(id, CancellationToken.None);
        await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None);
        await portal.SetFaultAsync(new { mode = "error" });
        await Should.ThrowAsync<PortalRequestException>(async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));

        var measurements = collector.GetMeasurementSnapshot();
        measurements.Select(m => m.Tags[PortalTelemetry.OutcomeTag]).ShouldBe(
            [PortalTelemetry.OutcomeFound, PortalTelemetry.OutcomeNotFound, PortalTelemetry.OutcomeHttpError]);
        measurements.ShouldAllBe(m => m.Value > 0);
    }

    [Fact]
    public void Rejects_options_without_an_api_key()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DeveloperPortal:ApiKey"] = "" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDeveloperPortalClient(configuration);
        using var provider = services.BuildServiceProvider();

        var exception = Should.Throw<OptionsValidationException>(
            () => provider.GetRequiredService<IOptions<DeveloperPortalOptions>>().Value);

        exception.Message.ShouldContain("ApiKey");
    }

    [Fact]
    public void Defaults_point_at_the_local_simulator_with_a_ten_second_timeout()
    {
        var options = new DeveloperPortalOptions();

        options.BaseUrl.ShouldBe("http://127.0.0.1:5082");
        options.AppId.ShouldBe("app_staging_payments");
        options.ApiKey.ShouldBe("sim-portal-key");
        options.Timeout.ShouldBe(TimeSpan.FromSeconds(10));
    }

    private static void AssertOneFailure(PortalClientHarness portal)
    {
        var stats = portal.Breaker.GetStats();
        stats.TotalFailures.ShouldBe(1);
        stats.Failures.ShouldBe(1);
        stats.TotalSuccesses.ShouldBe(0);
    }
}
