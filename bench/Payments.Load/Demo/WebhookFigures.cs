using Payments.Load.Clients;

namespace Payments.Load.Demo;

/// <summary>When the demo's webhook endpoint was made to fail, and when it answered again.</summary>
public sealed record EndpointOutage(DateTimeOffset From, DateTimeOffset To, int Status);

/// <summary>One state change of a breaker, at the breaker's own time.</summary>
public sealed record BreakerTransition(DateTimeOffset At, string From, string To);

/// <summary>
/// The webhook lines of the demo's summary, from the status documents of the settled payments, what the receiver saw and
/// the endpoint breaker's transitions. The demo fails when a settled payment's event was not delivered or the receiver saw
/// an invalid signature; a payment whose document has no event (its client has no endpoint) is not counted.
/// </summary>
public sealed class WebhookFigures
{
    private const int MaxListed = 10;

    private WebhookFigures(
        IReadOnlyList<PaymentStatus> events,
        WebhookReceiverStats receiver,
        EndpointOutage? outage,
        IReadOnlyList<BreakerTransition> transitions)
    {
        Expected = events.Count;
        NotDelivered = [.. events.Where(e => e.Webhook!.Status != WebhookStatus.Delivered)];
        Delivered = Expected - NotDelivered.Count;
        Attempts = events.Sum(e => (long)e.Webhook!.Attempts);
        Receiver = receiver;
        Transitions = transitions;
        Outage = outage;

        // The breaker closing again after the endpoint came back ends the wait: until then, events are held without an attempt.
        DateTimeOffset? recoveredAt = outage is null ? null : transitions.FirstOrDefault(t => t.At >= outage.To && t.To == "CLOSED")?.At ?? outage.To;
        foreach (var payment in events)
        {
            var webhook = payment.Webhook!;
            if (webhook is not { Status: WebhookStatus.Delivered, DeliveredAt: { } deliveredAt })
            {
                continue;
            }

            // A final status's event is stored with it: the document's updatedAt is the event's occurredAt.
            var delay = deliveredAt - payment.UpdatedAt;
            if (webhook.Attempts > 1)
            {
                Retried++;
            }
            else if (outage is not null && payment.UpdatedAt < recoveredAt && deliveredAt > outage.To)
            {
                HeldByBreaker++;
            }
            else
            {
                continue;
            }

            if (LongestDelay is null || delay > LongestDelay)
            {
                LongestDelay = delay;
            }
        }

        // The receiver's duplicates include every retry of a refused delivery; an event it accepted twice is a real one.
        AcceptedMoreThanOnce = receiver.Deliveries
            .Where(d => d is { SignatureValid: true, EventId: not null, AnsweredStatus: >= 200 and < 300 })
            .GroupBy(d => d.EventId, StringComparer.Ordinal)
            .Count(g => g.Count() > 1);
    }

    /// <summary>Settled payments whose document has an event.</summary>
    public int Expected { get; }

    public int Delivered { get; }

    /// <summary>Pending or undelivered at the end, in the order given.</summary>
    public IReadOnlyList<PaymentStatus> NotDelivered { get; }

    /// <summary>Delivered after more than one attempt.</summary>
    public int Retried { get; }

    /// <summary>
    /// Delivered at their first attempt, but only after the endpoint's outage: they happened while it failed or while its
    /// breaker was still open afterwards, and waited without spending an attempt.
    /// </summary>
    public int HeldByBreaker { get; }

    /// <summary>The longest time from a delayed event to its delivery; null when none was delayed.</summary>
    public TimeSpan? LongestDelay { get; }

    /// <summary>POSTs made for the expected events, according to their documents.</summary>
    public long Attempts { get; }

    public WebhookReceiverStats Receiver { get; }

    /// <summary>Events the receiver answered 2xx more than once (among the deliveries it still lists).</summary>
    public int AcceptedMoreThanOnce { get; }

    public IReadOnlyList<BreakerTransition> Transitions { get; }

    public EndpointOutage? Outage { get; }

    public bool Failed => NotDelivered.Count > 0 || Receiver.InvalidSignatures > 0;

    /// <summary>Only settled payments count; a document without an event (no endpoint for its client) is left out.</summary>
    public static WebhookFigures From(
        IEnumerable<PaymentStatus> settled,
        WebhookReceiverStats receiver,
        EndpointOutage? outage,
        IEnumerable<BreakerTransition> transitions)
    {
        ArgumentNullException.ThrowIfNull(settled);
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(transitions);
        return new WebhookFigures(
            [.. settled.Where(p => p.Webhook is not null)], receiver, outage, [.. transitions.OrderBy(t => t.At)]);
    }

    /// <summary>The summary's lines, indented like the rest of it.</summary>
    public IReadOnlyList<string> Lines(string endpoint, string breaker)
    {
        var lines = new List<string> { $"  webhook events delivered: {Delivered} / {Expected}" };
        if (Expected == 0)
        {
            lines.Add("  no settled payment has a webhook event: the consumer has no endpoint for their client (Webhooks:{client}:Url).");
        }

        if (Outage is not null)
        {
            var longest = LongestDelay is { } delay ? $"; longest from event to delivery {delay.TotalSeconds:0.0} s" : "";
            lines.Add(
                $"  events delayed by the endpoint outage ({Outage.Status} for {(Outage.To - Outage.From).TotalSeconds:0} s): {Retried + HeldByBreaker} " +
                $"({Retried} delivered after more than one attempt, {HeldByBreaker} at their first after waiting for the breaker){longest}");
        }

        var answers = string.Join(", ", Receiver.ByStatus.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} ×{s.Value}"));
        lines.Add($"  webhook attempts in total: {Attempts} (receiver {endpoint} answered {(answers.Length == 0 ? "none" : answers)})");
        var listed = Receiver.Received > Receiver.Deliveries.Count ? $" among the last {Receiver.Deliveries.Count}" : "";
        lines.Add(
            $"  receiver {endpoint}: {Receiver.Received} deliveries of {Receiver.UniqueEvents} events; {Receiver.Duplicates} duplicates " +
            $"(retries of refused deliveries included), {AcceptedMoreThanOnce} accepted more than once{listed}; " +
            $"{Receiver.InvalidSignatures} invalid signatures");
        lines.Add($"  breaker {breaker} transitions seen: {DescribeTransitions()}");

        foreach (var payment in NotDelivered.Take(MaxListed))
        {
            var webhook = payment.Webhook!;
            var error = webhook.LastError is null ? "" : $", last error: {webhook.LastError}";
            lines.Add(
                $"  NOT DELIVERED: {webhook.Type} event {webhook.EventId} of {payment.Status} payment {payment.Reference} is {webhook.Status} after {webhook.Attempts} attempt(s){error}");
        }

        lines.Add(Failed
            ? $"  {NotDelivered.Count} webhook event(s) not delivered, {Receiver.InvalidSignatures} delivery(ies) with an invalid signature."
            : "  every settled payment's webhook event was delivered, none with an invalid signature.");
        return lines;
    }

    /// <summary>A chain (<c>3 (CLOSED → OPEN → HALF_OPEN → CLOSED)</c>) when each one starts where the previous one ended.</summary>
    private string DescribeTransitions()
    {
        if (Transitions.Count == 0)
        {
            return "none";
        }

        var chained = Transitions.Skip(1).Select((t, i) => t.From == Transitions[i].To).All(linked => linked);
        var text = chained
            ? string.Join(" → ", Transitions.Select(t => t.From).Append(Transitions[^1].To))
            : string.Join(", ", Transitions.Select(t => $"{t.From} → {t.To}"));
        return $"{Transitions.Count} ({text})";
    }
}
