using Payments.PortalSimulator.Webhooks;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Payments.PortalSimulator.Tests.Testing;

namespace Payments.PortalSimulator.Tests.Webhooks;

/// <summary>A simulator on a fake clock with a webhook secret, and a sender's view of its receiver.</summary>
public sealed class WebhookReceiverHost : IAsyncDisposable
{
    public const string Secret = "whsec-test-current";
    public const string DefaultPath = "/_sim/webhooks";
    public const string Reference = "0123456789abcdef0123456789abcdef";

    private WebhookReceiverHost(SimulatorHost sim, FakeTimeProvider clock)
    {
        Sim = sim;
        Clock = clock;
    }

    public SimulatorHost Sim { get; }

    public FakeTimeProvider Clock { get; }

    public HttpClient Http => Sim.Control;

    /// <summary>The simulator's clock in unix seconds, as a sender puts it in <c>t=</c>.</summary>
    public long Now => Clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Started with <see cref="Secret"/> as its one secret.</summary>
    public static Task<WebhookReceiverHost> StartAsync() => StartWithSettingsAsync($"--Simulator:WebhookSecret={Secret}");

    /// <summary>Started with these settings only (none: no secret at all).</summary>
    public static async Task<WebhookReceiverHost> StartWithSettingsAsync(params string[] settings)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        return new WebhookReceiverHost(await SimulatorHost.StartAsync(clock, settings), clock);
    }

    public static WebhookEvent NewEvent(string type = "payment.confirmed", string? id = null)
    {
        id ??= Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(new
        {
            id,
            type,
            createdAt = "2026-03-01T12:00:00.000Z",
            reference = Reference,
            payment = new { reference = Reference, status = "Confirmed" },
        });
        return new WebhookEvent(id, type, body);
    }

    /// <summary>Delivers the event signed with <see cref="Secret"/> at the simulator's current time.</summary>
    public Task<HttpResponseMessage> DeliverAsync(WebhookEvent webhookEvent, string path = DefaultPath, CancellationToken cancellationToken = default) =>
        DeliverWithSignatureAsync(webhookEvent, WebhookSigner.Header(Now, WebhookSigner.Sign(Secret, Now, webhookEvent.Body)), path, cancellationToken);

    /// <summary>Delivers the event with the given <c>Payments-Signature</c> header, or none when null.</summary>
    public Task<HttpResponseMessage> DeliverWithSignatureAsync(WebhookEvent webhookEvent, string? signature, string path = DefaultPath, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(webhookEvent.Body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Payments-Signature", signature);
        }

        request.Headers.Add("Payments-Event-Id", webhookEvent.Id);
        request.Headers.Add("Payments-Event-Type", webhookEvent.Type);
        return SendAsync(request, cancellationToken);
    }

    public async Task<WebhookEndpointSnapshot> GetAsync(string path = DefaultPath) =>
        (await Http.GetFromJsonAsync<WebhookEndpointSnapshot>(path))!;

    public async Task SetFaultAsync(object fault, string path = DefaultPath)
    {
        using var response = await Http.PutAsJsonAsync(path + "/faults", fault);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Polls the endpoint until the condition holds: for what the simulator notices on its own, such as a sender
    /// hanging up.</summary>
    public async Task<WebhookEndpointSnapshot> WaitUntilAsync(Func<WebhookEndpointSnapshot, bool> condition, string because, string path = DefaultPath)
    {
        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (true)
        {
            var document = await GetAsync(path);
            if (condition(document))
            {
                return document;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Not within 10 s: {because}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }
    }

    public async ValueTask DisposeAsync() => await Sim.DisposeAsync();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await Http.SendAsync(request, cancellationToken);
        }
    }
}

public sealed record WebhookEvent(string Id, string Type, string Body);
