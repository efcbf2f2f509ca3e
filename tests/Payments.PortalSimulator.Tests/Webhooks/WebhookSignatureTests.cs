using Payments.PortalSimulator.Webhooks;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.PortalSimulator.Tests.Portal;

namespace Payments.PortalSimulator.Tests.Webhooks;

public sealed class WebhookSignatureTests : IAsyncLifetime
{
    private WebhookReceiverHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookReceiverHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Accepts_a_delivery_signed_with_the_secret_and_records_it_as_sent()
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        var signature = WebhookSigner.Header(_host.Now, WebhookSigner.Sign(WebhookReceiverHost.Secret, _host.Now, webhookEvent.Body));

        using var response = await _host.DeliverWithSignatureAsync(webhookEvent, signature);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("""{"received":true}""");
        var document = await _host.GetAsync();
        document.Name.ShouldBe("default");
        document.Mode.ShouldBe("none");
        document.Received.ShouldBe(1);
        document.ValidSignatures.ShouldBe(1);
        document.InvalidSignatures.ShouldBe(0);
        document.UniqueEvents.ShouldBe(1);
        document.ByType.ShouldBe(new Dictionary<string, long> { ["payment.confirmed"] = 1 }, ignoreOrder: true);
        document.ByStatus.ShouldBe(new Dictionary<string, long> { ["200"] = 1 }, ignoreOrder: true);
        var delivery = document.Deliveries.ShouldHaveSingleItem();
        delivery.ShouldBe(new WebhookDeliveryView(
            webhookEvent.Id,
            "payment.confirmed",
            WebhookReceiverHost.Reference,
            _host.Clock.GetUtcNow(),
            SignatureValid: true,
            AnsweredStatus: 200,
            signature,
            webhookEvent.Body));
        WebhookSigner.Verifies(WebhookReceiverHost.Secret, delivery.Signature!, delivery.Body).ShouldBeTrue();
    }

    [Fact]
    public async Task Answers_with_the_documented_property_names()
    {
        using (await _host.DeliverAsync(WebhookReceiverHost.NewEvent()))
        {
        }

        var document = await _host.Http.GetFromJsonAsync<JsonElement>(WebhookReceiverHost.DefaultPath);

        document.EnumerateObject().Select(p => p.Name).ShouldBe(
            ["name", "mode", "received", "validSignatures", "invalidSignatures", "uniqueEvents", "duplicates", "byType", "byStatus", "deliveries"]);
        document.GetProperty("deliveries")[0].EnumerateObject().Select(p => p.Name).ShouldBe(
            ["eventId", "type", "reference", "receivedAt", "signatureValid", "answeredStatus", "signature", "body"]);
    }

    [Fact]
    public async Task Accepts_a_header_whose_second_v1_entry_matches()
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        var signature = WebhookSigner.Header(
            _host.Now,
            WebhookSigner.Sign("whsec-someone-else", _host.Now, webhookEvent.Body),
            WebhookSigner.Sign(WebhookReceiverHost.Secret, _host.Now, webhookEvent.Body));

        using var response = await _host.DeliverWithSignatureAsync(webhookEvent, signature);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _host.GetAsync()).ValidSignatures.ShouldBe(1);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public async Task Accepts_a_timestamp_at_the_edge_of_the_tolerance(int offsetSeconds)
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        var t = _host.Now + offsetSeconds;

        using var response = await _host.DeliverWithSignatureAsync(webhookEvent, WebhookSigner.Header(t, WebhookSigner.Sign(WebhookReceiverHost.Secret, t, webhookEvent.Body)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("tampered body")]
    [InlineData("wrong secret")]
    [InlineData("missing header")]
    [InlineData("stale timestamp")]
    [InlineData("future timestamp")]
    [InlineData("signed with another timestamp")]
    [InlineData("malformed: no timestamp")]
    [InlineData("malformed: no v1")]
    [InlineData("malformed: two timestamps")]
    [InlineData("malformed: timestamp not a number")]
    [InlineData("malformed: uppercase hex")]
    [InlineData("malformed: short hex")]
    [InlineData("malformed: not key=value")]
    public async Task Rejects_an_invalid_signature_with_400_and_records_the_delivery_as_invalid(string @case)
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        var now = _host.Now;
        var good = WebhookSigner.Sign(WebhookReceiverHost.Secret, now, webhookEvent.Body);
        var (sent, signature) = @case switch
        {
            "tampered body" => (webhookEvent with { Body = webhookEvent.Body.Replace("Confirmed", "Failed", StringComparison.Ordinal) }, WebhookSigner.Header(now, good)),
            "wrong secret" => (webhookEvent, WebhookSigner.Header(now, WebhookSigner.Sign("whsec-wrong", now, webhookEvent.Body))),
            "missing header" => (webhookEvent, null),
            "stale timestamp" => (webhookEvent, WebhookSigner.Header(now - 301, WebhookSigner.Sign(WebhookReceiverHost.Secret, now - 301, webhookEvent.Body))),
            "future timestamp" => (webhookEvent, WebhookSigner.Header(now + 301, WebhookSigner.Sign(WebhookReceiverHost.Secret, now + 301, webhookEvent.Body))),
            "signed with another timestamp" => (webhookEvent, WebhookSigner.Header(now - 1, good)),
            "malformed: no timestamp" => (webhookEvent, "v1=" + good),
            "malformed: no v1" => (webhookEvent, $"t={now}"),
            "malformed: two timestamps" => (webhookEvent, $"t={now},t={now},v1={good}"),
            "malformed: timestamp not a number" => (webhookEvent, $"t=now,v1={good}"),
            "malformed: uppercase hex" => (webhookEvent, $"t={now},v1={good.ToUpperInvariant()}"),
            "malformed: short hex" => (webhookEvent, $"t={now},v1={good[..62]}"),
            "malformed: not key=value" => (webhookEvent, $"t={now},{good}"),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        using var response = await _host.DeliverWithSignatureAsync(sent, signature);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await PortalApiTests.ReadJsonAsync(response);
        problem.GetProperty("title").GetString().ShouldBe("Invalid webhook signature");
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty();
        var document = await _host.GetAsync();
        document.Received.ShouldBe(1);
        document.ValidSignatures.ShouldBe(0);
        document.InvalidSignatures.ShouldBe(1);
        document.UniqueEvents.ShouldBe(0);
        document.ByType.ShouldBeEmpty();
        document.ByStatus.ShouldBe(new Dictionary<string, long> { ["400"] = 1 }, ignoreOrder: true);
        var delivery = document.Deliveries.ShouldHaveSingleItem();
        delivery.SignatureValid.ShouldBeFalse();
        delivery.AnsweredStatus.ShouldBe(400);
        delivery.Signature.ShouldBe(signature);
        delivery.Body.ShouldBe(sent.Body);
    }

    [Fact]
    public async Task The_tolerance_follows_the_simulators_clock()
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        var t = _host.Now;
        var signature = WebhookSigner.Header(t, WebhookSigner.Sign(WebhookReceiverHost.Secret, t, webhookEvent.Body));

        _host.Clock.Advance(TimeSpan.FromSeconds(301));
        using var response = await _host.DeliverWithSignatureAsync(webhookEvent, signature);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("whsec-old")]
    [InlineData("whsec-new")]
    [InlineData("whsec-single")]
    public async Task Accepts_a_signature_made_with_any_configured_secret(string secret)
    {
        await using var host = await WebhookReceiverHost.StartWithSettingsAsync(
            "--Simulator:WebhookSecrets:0=whsec-old",
            "--Simulator:WebhookSecrets:1=whsec-new",
            "--Simulator:WebhookSecret=whsec-single");
        var webhookEvent = WebhookReceiverHost.NewEvent();

        using var accepted = await host.DeliverWithSignatureAsync(webhookEvent, WebhookSigner.Header(host.Now, WebhookSigner.Sign(secret, host.Now, webhookEvent.Body)));
        using var rejected = await host.DeliverWithSignatureAsync(webhookEvent, WebhookSigner.Header(host.Now, WebhookSigner.Sign(WebhookReceiverHost.Secret, host.Now, webhookEvent.Body)));

        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        rejected.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_configured_tolerance_replaces_the_default()
    {
        await using var host = await WebhookReceiverHost.StartWithSettingsAsync(
            $"--Simulator:WebhookSecret={WebhookReceiverHost.Secret}",
            "--Simulator:WebhookTolerance=00:00:10");
        var webhookEvent = WebhookReceiverHost.NewEvent();

        using var inside = await host.DeliverWithSignatureAsync(webhookEvent, WebhookSigner.Header(host.Now - 10, WebhookSigner.Sign(WebhookReceiverHost.Secret, host.Now - 10, webhookEvent.Body)));
        using var outside = await host.DeliverWithSignatureAsync(webhookEvent, WebhookSigner.Header(host.Now - 11, WebhookSigner.Sign(WebhookReceiverHost.Secret, host.Now - 11, webhookEvent.Body)));

        inside.StatusCode.ShouldBe(HttpStatusCode.OK);
        outside.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task With_no_secret_configured_every_delivery_is_invalid_and_answered_400()
    {
        await using var host = await WebhookReceiverHost.StartWithSettingsAsync();
        var webhookEvent = WebhookReceiverHost.NewEvent();

        using var response = await host.DeliverAsync(webhookEvent);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var delivery = (await host.GetAsync()).Deliveries.ShouldHaveSingleItem();
        delivery.SignatureValid.ShouldBeFalse();
        delivery.AnsweredStatus.ShouldBe(400);
    }

    [Fact]
    public async Task A_body_over_256_KiB_is_refused_with_413_and_not_recorded_and_one_of_256_KiB_is_accepted()
    {
        var atLimit = Padded(256 * 1024);
        var overLimit = Padded((256 * 1024) + 1);

        using var accepted = await _host.DeliverAsync(atLimit);
        using var refused = await _host.DeliverAsync(overLimit);

        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        refused.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var document = await _host.GetAsync();
        document.Received.ShouldBe(1);
        document.Deliveries.ShouldHaveSingleItem().EventId.ShouldBe(atLimit.Id);
    }

    [Fact]
    public async Task Takes_the_event_id_and_type_from_the_headers_when_the_body_is_not_json()
    {
        var webhookEvent = new WebhookEvent("evt-from-header", "payment.failed", "not json");

        using var response = await _host.DeliverAsync(webhookEvent);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var delivery = (await _host.GetAsync()).Deliveries.ShouldHaveSingleItem();
        delivery.EventId.ShouldBe("evt-from-header");
        delivery.Type.ShouldBe("payment.failed");
        delivery.Reference.ShouldBeNull();
    }

    // A valid event whose body is exactly the given number of bytes (ASCII), padded through an extra property.
    private static WebhookEvent Padded(int bytes)
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();
        var prefix = webhookEvent.Body[..^1] + ",\"padding\":\"";
        const string Suffix = "\"}";
        return webhookEvent with { Body = prefix + new string('x', bytes - prefix.Length - Suffix.Length) + Suffix };
    }
}
