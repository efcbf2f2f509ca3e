using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.PortalSimulator.Tests.Portal;
using Payments.PortalSimulator.Tests.Testing;

namespace Payments.PortalSimulator.Tests.Faults;

public sealed class FaultInjectionTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private string _transactionId = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync();
        _transactionId = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(_transactionId);
    }

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Down_aborts_the_connection()
    {
        await _sim.SetFaultAsync(new { mode = "down" });

        await Should.ThrowAsync<HttpRequestException>(() => _sim.Portal.GetAsync(Path()));

        (await _sim.GetStatsAsync()).ByStatus.ShouldContainKeyAndValue("aborted", 1);
    }

    [Fact]
    public async Task Error_answers_503_by_default()
    {
        await _sim.SetFaultAsync(new { mode = "error" });

        using var response = await _sim.Portal.GetAsync(Path());

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Error_answers_the_configured_status()
    {
        await _sim.SetFaultAsync(new { mode = "error", status = 500 });

        using var response = await _sim.Portal.GetAsync(Path());

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
    }

    [Fact]
    public async Task Slow_delays_the_answer_by_at_least_the_configured_time()
    {
        await _sim.SetFaultAsync(new { mode = "slow", delayMs = 400 });

        var watch = Stopwatch.StartNew();
        using var response = await _sim.Portal.GetAsync(Path());
        watch.Stop();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(350));
    }

    [Fact]
    public async Task Ratelimit_answers_429_with_retry_after()
    {
        await _sim.SetFaultAsync(new { mode = "ratelimit", retryAfterSeconds = 7 });

        using var response = await _sim.Portal.GetAsync(Path());

        response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Garbage_answers_200_with_a_body_that_does_not_parse()
    {
        await _sim.SetFaultAsync(new { mode = "garbage" });

        using var response = await _sim.Portal.GetAsync(Path());

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        Should.Throw<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task Flaky_fails_a_seeded_share_of_requests_and_repeats_the_same_sequence_for_the_same_seed()
    {
        var fault = new { mode = "flaky", failureRate = 0.5, seed = 42 };

        await _sim.SetFaultAsync(fault);
        var first = await PollStatusesAsync(40);
        await _sim.SetFaultAsync(fault);
        var second = await PollStatusesAsync(40);

        second.ShouldBe(first);
        first.ShouldContain(HttpStatusCode.OK);
        first.ShouldContain(HttpStatusCode.ServiceUnavailable);
        first.Count(s => s == HttpStatusCode.ServiceUnavailable).ShouldBeInRange(8, 32);
    }

    [Fact]
    public async Task None_restores_normal_answers()
    {
        await _sim.SetFaultAsync(new { mode = "error" });
        await _sim.SetFaultAsync(new { mode = "none" });

        using var response = await _sim.Portal.GetAsync(Path());

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Faults_come_before_authentication()
    {
        await _sim.SetFaultAsync(new { mode = "error" });

        using var response = await _sim.Control.GetAsync(Path());

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Faults_leave_the_control_api_and_health_alone()
    {
        await _sim.SetFaultAsync(new { mode = "down" });

        using var health = await _sim.Control.GetAsync("/health/live");
        var current = await _sim.Control.GetFromJsonAsync<JsonElement>("/_sim/faults");

        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        current.GetProperty("mode").GetString().ShouldBe("down");
    }

    [Theory]
    [InlineData("""{"mode":"explode"}""")]
    [InlineData("""{"mode":"error","status":200}""")]
    [InlineData("""{"mode":"flaky","failureRate":1.5}""")]
    [InlineData("""{"mode":"slow","delayMs":-1}""")]
    public async Task Rejects_an_invalid_fault_with_400(string body)
    {
        using var response = await _sim.Control.PutAsync("/_sim/faults", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await PortalApiTests.ReadJsonAsync(response)).GetProperty("errors").EnumerateObject().ShouldNotBeEmpty();
    }

    private string Path() => SimulatorHost.TransactionPath(_transactionId);

    private async Task<List<HttpStatusCode>> PollStatusesAsync(int count)
    {
        var statuses = new List<HttpStatusCode>(count);
        for (var i = 0; i < count; i++)
        {
            using var response = await _sim.Portal.GetAsync(Path());
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
