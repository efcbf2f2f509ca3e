using System.Collections.Concurrent;
using System.Globalization;

namespace Payments.PortalSimulator.Webhooks;

/// <summary>The receiver endpoints by name, each created by its first delivery or fault setting. Thread-safe.</summary>
internal sealed class WebhookReceiver
{
    public const string DefaultEndpoint = "default";

    private readonly ConcurrentDictionary<string, WebhookEndpointState> _endpoints = new(StringComparer.Ordinal);

    public WebhookEndpointState GetOrAdd(string name) => _endpoints.GetOrAdd(name, static n => new WebhookEndpointState(n));

    public WebhookEndpointSnapshot Snapshot(string name, string? eventId) =>
        (_endpoints.TryGetValue(name, out var endpoint) ? endpoint : new WebhookEndpointState(name)).Snapshot(eventId);

    // Dropping the endpoints clears their records and faults at once; a delivery still in flight completes on the dropped
    // endpoint, so it counts in no later snapshot.
    public void Clear() => _endpoints.Clear();
}

/// <summary>One receiver endpoint: its fault, its counts since the last reset, and its most recent deliveries. Thread-safe.</summary>
internal sealed class WebhookEndpointState(string name)
{
    /// <summary>Deliveries kept for inspection; the counts cover every delivery since the last reset.</summary>
    public const int MaxDeliveries = 1000;

    /// <summary>The <c>byStatus</c> key of deliveries whose sender hung up before the answer.</summary>
    public const string AbortedKey = "aborted";

    private readonly Lock _gate = new();
    private readonly Queue<WebhookDelivery> _deliveries = new();
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byType = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byStatus = new(StringComparer.Ordinal);
    private WebhookFaultSettings _faults = WebhookFaultSettings.None;
    private long _received;
    private long _validSignatures;
    private long _duplicates;

    public WebhookFaultSettings Faults
    {
        get
        {
            lock (_gate)
            {
                return _faults;
            }
        }

        set
        {
            lock (_gate)
            {
                _faults = value;
            }
        }
    }

    /// <summary>Records a delivery on arrival; its answer follows through <see cref="Answer"/>.</summary>
    public void Record(WebhookDelivery delivery)
    {
        lock (_gate)
        {
            _received++;
            // Only a verified delivery counts as an event: an unsigned one could otherwise mark a real event as a duplicate.
            if (delivery.SignatureValid)
            {
                _validSignatures++;
                if (delivery.EventId is not null && !_eventIds.Add(delivery.EventId))
                {
                    _duplicates++;
                }

                if (delivery.Type is not null)
                {
                    _byType[delivery.Type] = _byType.GetValueOrDefault(delivery.Type) + 1;
                }
            }

            _deliveries.Enqueue(delivery);
            if (_deliveries.Count > MaxDeliveries)
            {
                _deliveries.Dequeue();
            }
        }
    }

    /// <summary>Records the status a delivery was answered with, or 0 when its sender hung up first; only the first counts.</summary>
    public void Answer(WebhookDelivery delivery, int status)
    {
        lock (_gate)
        {
            if (delivery.AnsweredStatus is not null)
            {
                return;
            }

            delivery.AnsweredStatus = status;
            var key = status == 0 ? AbortedKey : status.ToString(CultureInfo.InvariantCulture);
            _byStatus[key] = _byStatus.GetValueOrDefault(key) + 1;
        }
    }

    public WebhookEndpointSnapshot Snapshot(string? eventId)
    {
        lock (_gate)
        {
            return new WebhookEndpointSnapshot(
                name,
                _faults.Mode,
                _received,
                _validSignatures,
                _received - _validSignatures,
                _eventIds.Count,
                _duplicates,
                new SortedDictionary<string, long>(_byType, StringComparer.Ordinal),
                new SortedDictionary<string, long>(_byStatus, StringComparer.Ordinal),
                [.. _deliveries.Where(d => eventId is null || d.EventId == eventId).Select(d => d.View())]);
        }
    }
}

/// <summary>A delivery as it arrived; <see cref="AnsweredStatus"/> is set under its endpoint's lock.</summary>
internal sealed class WebhookDelivery(
    string? eventId,
    string? type,
    string? reference,
    DateTimeOffset receivedAt,
    bool signatureValid,
    string? signature,
    string body)
{
    public string? EventId { get; } = eventId;
    public string? Type { get; } = type;
    public bool SignatureValid { get; } = signatureValid;
    public int? AnsweredStatus { get; set; }

    public WebhookDeliveryView View() =>
        new(EventId, Type, reference, receivedAt, SignatureValid, AnsweredStatus, signature, body);
}

/// <summary>Body of <c>GET /_sim/webhooks[/{name}]</c>. Deliveries oldest first, the last <see cref="WebhookEndpointState.MaxDeliveries"/>.</summary>
public sealed record WebhookEndpointSnapshot(
    string Name,
    string Mode,
    long Received,
    long ValidSignatures,
    long InvalidSignatures,
    long UniqueEvents,
    long Duplicates,
    IReadOnlyDictionary<string, long> ByType,
    IReadOnlyDictionary<string, long> ByStatus,
    IReadOnlyList<WebhookDeliveryView> Deliveries);

/// <summary>One recorded delivery: <see cref="Body"/> and <see cref="Signature"/> exactly as received, so that a test can
/// verify the signature itself; <see cref="AnsweredStatus"/> is null while it is being answered and 0 when the sender hung up.</summary>
public sealed record WebhookDeliveryView(
    string? EventId,
    string? Type,
    string? Reference,
    DateTimeOffset ReceivedAt,
    bool SignatureValid,
    int? AnsweredStatus,
    string? Signature,
    string Body);
