using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.PortalSimulator.Tests.Webhooks;

public sealed class WebhookReceiverTests : IAsyncLifetime
{
    private WebhookReceiverHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookReceiverHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Counts_duplicates_by_event_id_and_events_by_type()
    {
        var confirmed = WebhookReceiverHost.NewEvent("payment.confirmed");
        var failed = WebhookReceiverHost.NewEvent("payment.failed");

        foreach (var webhookEvent in new[] { confirmed, confirmed, failed, confirmed })
        {
            using var response = await _host.DeliverAsync(webhookEvent);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var document = await _host.GetAsync();
        document.Received.ShouldBe(4);
        document.UniqueEvents.ShouldBe(2);
        document.Duplicates.ShouldBe(2);
        document.ByType.ShouldBe(new Dictionary<string, long> { ["payment.confirmed"] = 3, ["payment.failed"] = 1 }, ignoreOrder: true);
        document.Deliveries.Select(d => d.EventId).ShouldBe([confirmed.Id, confirmed.Id, failed.Id, confirmed.Id]);
    }

    [Fact]
    public async Task An_invalid_delivery_does_not_count_as_the_event()
    {
        var webhookEvent = WebhookReceiverHost.NewEvent();

        using (await _host.DeliverWithSignatureAsync(webhookEvent, signature: null))
        {
        }

        using (await _host.DeliverAsync(webhookEvent))
        {
        }

        var document = await _host.GetAsync();
        document.Received.ShouldBe(2);
        document.UniqueEvents.ShouldBe(1);
        document.Duplicates.ShouldBe(0);
        document.ByType.ShouldBe(new Dictionary<string, long> { ["payment.confirmed"] = 1 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Filters_deliveries_by_event_id_and_keeps_the_counts_whole()
    {
        var wanted = WebhookReceiverHost.NewEvent();
        var other = WebhookReceiverHost.NewEvent("payment.expired");
        foreach (var webhookEvent in new[] { wanted, other, wanted })
        {
            using (await _host.DeliverAsync(webhookEvent))
            {
            }
        }

        var filtered = await _host.GetAsync($"/_sim/webhooks?eventId={wanted.Id}");
        var none = await _host.GetAsync("/_sim/webhooks/default?eventId=unknown");

        filtered.Deliveries.Count.ShouldBe(2);
        filtered.Deliveries.ShouldAllBe(d => d.EventId == wanted.Id);
        filtered.Received.ShouldBe(3);
        none.Deliveries.ShouldBeEmpty();
    }

    [Fact]
    public async Task Keeps_the_last_1000_deliveries_and_counts_them_all()
    {
        var oldest = Enumerable.Range(0, 5).Select(_ => WebhookReceiverHost.NewEvent()).ToList();
        var newest = Enumerable.Range(0, 1000).Select(_ => WebhookReceiverHost.NewEvent()).ToList();
        foreach (var webhookEvent in oldest)
        {
            using (await _host.DeliverAsync(webhookEvent))
            {
            }
        }

        await Parallel.ForEachAsync(newest, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (webhookEvent, cancellationToken) =>
        {
            using var response = await _host.DeliverAsync(webhookEvent, cancellationToken: cancellationToken);
            response.EnsureSuccessStatusCode();
        });

        var document = await _host.GetAsync();
        document.Received.ShouldBe(1005);
        document.UniqueEvents.ShouldBe(1005);
        document.Deliveries.Select(d => d.EventId!).ShouldBe(newest.Select(e => e.Id), ignoreOrder: true);
    }

    [Fact]
    public async Task Counts_200_parallel_deliveries_exactly()
    {
        var events = Enumerable.Range(0, 100).Select(i => WebhookReceiverHost.NewEvent(i % 2 == 0 ? "payment.confirmed" : "payment.needs_review")).ToList();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await _host.DeliverAsync(events[i % events.Count], "/_sim/webhooks/busy");
            return response.StatusCode;
        }));

        statuses.ShouldAllBe(status => status == HttpStatusCode.OK);
        var document = await _host.GetAsync("/_sim/webhooks/busy");
        document.Received.ShouldBe(200);
        document.ValidSignatures.ShouldBe(200);
        document.UniqueEvents.ShouldBe(100);
        document.Duplicates.ShouldBe(100);
        document.ByType.ShouldBe(new Dictionary<string, long> { ["payment.confirmed"] = 100, ["payment.needs_review"] = 100 }, ignoreOrder: true);
        document.ByStatus.ShouldBe(new Dictionary<string, long> { ["200"] = 200 }, ignoreOrder: true);
        document.Deliveries.Count.ShouldBe(200);
    }

    [Theory]
    [InlineData("POST", "/_sim/reset")]
    [InlineData("DELETE", "/_sim/webhooks")]
    public async Task Reset_clears_every_endpoints_records_and_faults(string method, string path)
    {
        using (await _host.DeliverAsync(WebhookReceiverHost.NewEvent()))
        {
        }

        using (await _host.DeliverAsync(WebhookReceiverHost.NewEvent(), "/_sim/webhooks/a"))
        {
        }

        await _host.SetFaultAsync(new { mode = "fail" }, "/_sim/webhooks/a");

        using var reset = await _host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        reset.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        foreach (var endpoint in new[] { "/_sim/webhooks", "/_sim/webhooks/a" })
        {
            var document = await _host.GetAsync(endpoint);
            document.Mode.ShouldBe("none");
            document.Received.ShouldBe(0);
            document.UniqueEvents.ShouldBe(0);
            document.ByStatus.ShouldBeEmpty();
            document.Deliveries.ShouldBeEmpty();
        }

        using var after = await _host.DeliverAsync(WebhookReceiverHost.NewEvent(), "/_sim/webhooks/a");
        after.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_endpoint_nobody_wrote_to_answers_empty_records()
    {
        var document = await _host.GetAsync("/_sim/webhooks/nobody");

        document.ShouldBe(document with
        {
            Name = "nobody",
            Mode = "none",
            Received = 0,
            ValidSignatures = 0,
            InvalidSignatures = 0,
            UniqueEvents = 0,
            Duplicates = 0,
        });
        document.ByType.ShouldBeEmpty();
        document.Deliveries.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("under_score")]
    [InlineData("dot.ted")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public async Task Rejects_an_invalid_endpoint_name_with_400_on_every_route(string name)
    {
        using var post = await _host.DeliverAsync(WebhookReceiverHost.NewEvent(), $"/_sim/webhooks/{name}");
        using var put = await _host.Http.PutAsJsonAsync($"/_sim/webhooks/{name}/faults", new { mode = "fail" });
        using var get = await _host.Http.GetAsync($"/_sim/webhooks/{name}");

        foreach (var response in new[] { post, put, get })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("name").GetArrayLength().ShouldBe(1);
        }

        (await _host.GetAsync()).Received.ShouldBe(0);
    }

    [Fact]
    public async Task Accepts_a_name_of_32_characters()
    {
        using var response = await _host.DeliverAsync(WebhookReceiverHost.NewEvent(), "/_sim/webhooks/abcdefghijklmnopqrstuvwxyz-01234");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
