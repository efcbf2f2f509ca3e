using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.PortalSimulator.Tests.Webhooks;

public sealed class WebhookFaultTests : IAsyncLifetime
{
    private WebhookReceiverHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookReceiverHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Setting_a_fault_echoes_the_settings_with_their_defaults()
    {
        using var response = await _host.Http.PutAsJsonAsync("/_sim/webhooks/faults", new { mode = "fail" });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("""{"mode":"fail","status":500,"delayMs":30000}""");
        (await _host.GetAsync()).Mode.ShouldBe("fail");
    }

    [Theory]
    [InlineData(null, 500)]
    [InlineData(503, 503)]
    [InlineData(410, 410)]
    public async Task Fail_answers_its_status_and_records_the_delivery(int? status, int expected)
    {
        await _host.SetFaultAsync(status is null ? new { mode = "fail" } : new { mode = "fail", status });
        var webhookEvent = WebhookReceiverHost.NewEvent();

        using var response = await _host.DeliverAsync(webhookEvent);

        ((int)response.StatusCode).ShouldBe(expected);
        var document = await _host.GetAsync();
        document.Mode.ShouldBe("fail");
        document.ValidSignatures.ShouldBe(1);
        document.ByStatus.ShouldBe(new Dictionary<string, long> { [expected.ToString(System.Globalization.CultureInfo.InvariantCulture)] = 1 }, ignoreOrder: true);
        var delivery = document.Deliveries.ShouldHaveSingleItem();
        delivery.EventId.ShouldBe(webhookEvent.Id);
        delivery.SignatureValid.ShouldBeTrue();
        delivery.AnsweredStatus.ShouldBe(expected);
    }

    [Fact]
    public async Task A_retry_after_a_failure_counts_as_a_duplicate()
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        await _host.SetFaultAsync(new { mode = "fail" });
        using (await _host.DeliverAsync(webhookEvent))
        {
        }

        await _host.SetFaultAsync(new { mode = "none" });
        using var retry = await _host.DeliverAsync(webhookEvent);

        retry.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = await _host.GetAsync();
        document.UniqueEvents.ShouldBe(1);
        document.Duplicates.ShouldBe(1);
        document.ByStatus.ShouldBe(new Dictionary<string, long> { ["500"] = 1, ["200"] = 1 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Hang_waits_for_the_delay_on_the_simulators_clock_then_answers_200()
    {
        await _host.SetFaultAsync(new { mode = "hang" });
        var webhookEvent = WebhookReceiverHost.NewEvent();

        var delivery = _host.DeliverAsync(webhookEvent);
        var waiting = await _host.WaitUntilAsync(d => d.Deliveries.Count == 1, "the hanging delivery is recorded");
        _host.Clock.Advance(TimeSpan.FromSeconds(29));
        var stillWaiting = await _host.GetAsync();

        waiting.Deliveries[0].AnsweredStatus.ShouldBeNull();
        stillWaiting.Deliveries[0].AnsweredStatus.ShouldBeNull();
        delivery.IsCompleted.ShouldBeFalse();

        _host.Clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await delivery.WaitAsync(TimeSpan.FromSeconds(10));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answered = await _host.GetAsync();
        answered.Deliveries.ShouldHaveSingleItem().AnsweredStatus.ShouldBe(200);
        answered.ByStatus.ShouldBe(new Dictionary<string, long> { ["200"] = 1 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Hang_records_a_sender_that_gives_up_as_aborted()
    {
        await _host.SetFaultAsync(new { mode = "hang", delayMs = 600_000 });
        using var giveUp = new CancellationTokenSource();

        var delivery = _host.DeliverAsync(WebhookReceiverHost.NewEvent(), cancellationToken: giveUp.Token);
        await _host.WaitUntilAsync(d => d.Deliveries.Count == 1, "the hanging delivery is recorded");
        await giveUp.CancelAsync();

        await Should.ThrowAsync<TaskCanceledException>(() => delivery);
        var document = await _host.WaitUntilAsync(d => d.Deliveries[0].AnsweredStatus is not null, "the simulator notices the sender left");
        document.Deliveries[0].AnsweredStatus.ShouldBe(0);
        document.ByStatus.ShouldBe(new Dictionary<string, long> { ["aborted"] = 1 }, ignoreOrder: true);
        document.Received.ShouldBe(1);
    }

    [Fact]
    public async Task Hang_then_answers_an_invalid_signature_with_400()
    {
        await _host.SetFaultAsync(new { mode = "hang", delayMs = 1000 });

        var delivery = _host.DeliverWithSignatureAsync(WebhookReceiverHost.NewEvent(), signature: null);
        await _host.WaitUntilAsync(d => d.Deliveries.Count == 1, "the hanging delivery is recorded");
        _host.Clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await delivery.WaitAsync(TimeSpan.FromSeconds(10));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task None_restores_normal_answers()
    {
        await _host.SetFaultAsync(new { mode = "fail" });
        await _host.SetFaultAsync(new { mode = "none" });

        using var response = await _host.DeliverAsync(WebhookReceiverHost.NewEvent());

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Endpoints_are_independent()
    {
        await _host.SetFaultAsync(new { mode = "fail", status = 502 }, "/_sim/webhooks/a");
        var toA = WebhookReceiverHost.NewEvent();
        var toB = WebhookReceiverHost.NewEvent();
        var toDefault = WebhookReceiverHost.NewEvent();

        using var a = await _host.DeliverAsync(toA, "/_sim/webhooks/a");
        using var b = await _host.DeliverAsync(toB, "/_sim/webhooks/b");
        using var byDefault = await _host.DeliverAsync(toDefault);

        a.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        b.StatusCode.ShouldBe(HttpStatusCode.OK);
        byDefault.StatusCode.ShouldBe(HttpStatusCode.OK);
        var documentA = await _host.GetAsync("/_sim/webhooks/a");
        var documentB = await _host.GetAsync("/_sim/webhooks/b");
        documentA.Mode.ShouldBe("fail");
        documentA.Deliveries.ShouldHaveSingleItem().EventId.ShouldBe(toA.Id);
        documentB.Name.ShouldBe("b");
        documentB.Mode.ShouldBe("none");
        documentB.Deliveries.ShouldHaveSingleItem().EventId.ShouldBe(toB.Id);
        (await _host.GetAsync("/_sim/webhooks/default")).Deliveries.ShouldHaveSingleItem().EventId.ShouldBe(toDefault.Id);
        (await _host.GetAsync()).Deliveries.ShouldHaveSingleItem().EventId.ShouldBe(toDefault.Id);
    }

    [Fact]
    public async Task The_routes_without_a_name_set_the_fault_of_the_default_endpoint()
    {
        await _host.SetFaultAsync(new { mode = "fail" });

        using var named = await _host.DeliverAsync(WebhookReceiverHost.NewEvent(), "/_sim/webhooks/default");

        named.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await _host.GetAsync("/_sim/webhooks/other")).Mode.ShouldBe("none");
    }

    [Theory]
    [InlineData("""{"mode":"explode"}""", "mode")]
    [InlineData("""{"status":500}""", "mode")]
    [InlineData("""{"mode":"fail","status":99}""", "status")]
    [InlineData("""{"mode":"fail","status":600}""", "status")]
    [InlineData("""{"mode":"hang","delayMs":-1}""", "delayMs")]
    [InlineData("""{"mode":"hang","delayMs":600001}""", "delayMs")]
    public async Task Rejects_an_invalid_fault_with_400_naming_the_field(string body, string field)
    {
        using var response = await _host.Http.PutAsync("/_sim/webhooks/a/faults", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.EnumerateObject().Select(p => p.Name).ShouldBe([field]);
        (await _host.GetAsync("/_sim/webhooks/a")).Mode.ShouldBe("none");
    }

    [Theory]
    [InlineData("""{"mode":"fail","status":100}""")]
    [InlineData("""{"mode":"fail","status":599}""")]
    [InlineData("""{"mode":"hang","delayMs":0}""")]
    [InlineData("""{"mode":"hang","delayMs":600000}""")]
    public async Task Accepts_a_fault_at_the_edge_of_the_ranges(string body)
    {
        using var response = await _host.Http.PutAsync("/_sim/webhooks/faults", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
