using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using Payments.Consumer.Portal;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using MtHeaders = MassTransit.MessageHeaders;
using PaymentHeaders = Payments.Contracts.MessageHeaders;

namespace Payments.Consumer.Verification;

/// <summary>
/// Checks one transaction against the Developer Portal and reports the verdict as an event. Pending (and not-found within
/// the grace) and open-circuit answers re-send the command to this consumer's own queue through the message scheduler
/// without touching <c>MT-Redelivery-Count</c>; real failures report that they will be retried, then throw into the
/// endpoint's scheduled redelivery.
/// </summary>
public sealed class VerifyPaymentConsumer(
    IDeveloperPortalClient portal,
    IOptions<VerificationOptions> options,
    DeferralJitter jitter,
    VerificationTelemetry telemetry,
    TimeProvider time,
    PublishDeadline deadline,
    ILogger<VerifyPaymentConsumer> logger) : IConsumer<VerifyPayment>
{
    /// <summary>A re-send sooner than this would only spin: the broker-native delays have 1 s granularity.</summary>
    internal static readonly TimeSpan MinimumDeferral = TimeSpan.FromSeconds(1);

    /// <summary>The portal's status word as stored on the saga row (raw_portal_status).</summary>
    internal const int MaxPortalStatusLength = 32;

    private readonly VerificationOptions _options = options.Value;
    private readonly TimeSpan[] _redeliveryIntervals = VerifyPaymentConsumerDefinition.RedeliveryIntervals(options.Value);

    public async Task Consume(ConsumeContext<VerifyPayment> context)
    {
        try
        {
            await VerifyAsync(context);
        }
        catch (Exception exception) when (!context.CancellationToken.IsCancellationRequested)
        {
            var errorType = ErrorType(exception);
            telemetry.RecordError(errorType);
            Log.PaymentVerificationFailed(
                logger, exception, context.Message.PaymentId, context.Message.TransactionId, errorType, context.GetRedeliveryCount());
            await ReportRetryingAsync(context, exception);
            throw;
        }
    }

    private async Task VerifyAsync(ConsumeContext<VerifyPayment> context)
    {
        var command = context.Message;
        var lookup = await portal.GetTransactionAsync(command.TransactionId, context.CancellationToken);
        if (lookup is PortalLookup.CircuitOpen open)
        {
            await DeferAsync(context, open);
            return;
        }

        // The portal answered: the not-found grace and the pending budget count from its first answer.
        var now = time.GetUtcNow();
        var firstCheckedAt = command.FirstCheckedAt ?? now;
        var sinceFirstCheck = now - firstCheckedAt;
        switch (lookup)
        {
            case PortalLookup.NotFound when sinceFirstCheck < _options.NotFoundGrace:
                // Not indexed yet, most likely: a transaction id comes from the payer's wallet before the portal has seen it.
                await PendingAsync(context, PaymentMatcher.StatusNotFound, unknown: false, firstCheckedAt, sinceFirstCheck);
                return;

            case PortalLookup.NotFound:
                await RejectAsync(context, PaymentMatcher.NotFoundReason, portalStatus: null);
                return;

            case PortalLookup.Found { Transaction: var transaction }:
                var portalStatus = PortalText.Bounded(transaction.Status, MaxPortalStatusLength);
                switch (PaymentMatcher.Evaluate(command, transaction))
                {
                    case Verdict.Confirmed confirmed:
                        await PublishAsync(context, new PaymentVerified(
                            command.PaymentId, command.TransactionId, confirmed.TransactionHash, portalStatus, now));
                        telemetry.RecordVerdict(VerificationTelemetry.VerdictConfirmed);
                        Log.PaymentVerified(logger, command.PaymentId, command.TransactionId, confirmed.TransactionHash);
                        return;

                    case Verdict.Rejected rejected:
                        await RejectAsync(context, rejected.Reason, portalStatus);
                        return;

                    case Verdict.Review review:
                        await ReviewAsync(context, review.ReviewReason, review.Reason, portalStatus, review.TransactionHash);
                        return;

                    case Verdict.Pending pending:
                        await PendingAsync(context, portalStatus, pending.Unknown, firstCheckedAt, sinceFirstCheck);
                        return;

                    case var other:
                        throw new InvalidOperationException($"Unknown verdict {other.GetType().Name}");
                }

            default:
                throw new InvalidOperationException($"Unknown portal lookup result {lookup.GetType().Name}");
        }
    }

    private async Task RejectAsync(ConsumeContext<VerifyPayment> context, string reason, string? portalStatus)
    {
        var command = context.Message;
        await PublishAsync(context, new PaymentRejected(command.PaymentId, command.TransactionId, reason, portalStatus));
        telemetry.RecordVerdict(VerificationTelemetry.VerdictRejected);
        Log.PaymentRejected(logger, command.PaymentId, command.TransactionId, reason);
    }

    private async Task ReviewAsync(
        ConsumeContext<VerifyPayment> context, string reviewReason, string reason, string? portalStatus, string? transactionHash)
    {
        var command = context.Message;
        await PublishAsync(context, new PaymentNeedsReview(command.PaymentId, command.TransactionId, reviewReason, reason, portalStatus, transactionHash));
        telemetry.RecordVerdict(VerificationTelemetry.VerdictReview);
        Log.PaymentNeedsReview(logger, command.PaymentId, command.TransactionId, reviewReason);
    }

    /// <summary>Not final yet: check again later, unless the pending budget is spent, then an operator decides.</summary>
    private async Task PendingAsync(
        ConsumeContext<VerifyPayment> context, string portalStatus, bool unknown, DateTimeOffset firstCheckedAt, TimeSpan sinceFirstCheck)
    {
        if (sinceFirstCheck >= _options.PendingGiveUpAfter)
        {
            var reviewReason = unknown ? ReviewReasons.UnknownPortalStatus : ReviewReasons.PendingTooLong;
            var reason = string.Create(
                CultureInfo.InvariantCulture,
                $"{reviewReason}: the portal still answered '{portalStatus}' {sinceFirstCheck.TotalHours:0.#} h after its first answer");
            await ReviewAsync(context, reviewReason, reason, portalStatus, transactionHash: null);
            return;
        }

        await RecheckLaterAsync(context, portalStatus, firstCheckedAt);
    }

    private async Task RecheckLaterAsync(ConsumeContext<VerifyPayment> context, string portalStatus, DateTimeOffset firstCheckedAt)
    {
        var command = context.Message;
        var previousChecks = ReadCounter(context, PaymentHeaders.PendingCheckCount);
        var checks = previousChecks + 1;
        var delay = Backoff.Doubling(previousChecks, _options.PendingMinInterval, _options.PendingMaxInterval);

        // Event first: if the re-send then fails, the exception redelivers the command, so the check is not lost.
        await PublishAsync(context, new PaymentVerificationPending(
            command.PaymentId, command.TransactionId, portalStatus, checks, delay, firstCheckedAt));
        await ResendToSelfAsync(context, command with { FirstCheckedAt = firstCheckedAt }, delay, PaymentHeaders.PendingCheckCount, checks);

        telemetry.RecordVerdict(VerificationTelemetry.VerdictPending);
        Log.PaymentVerificationPending(logger, command.PaymentId, command.TransactionId, portalStatus, checks, delay);
    }

    private async Task DeferAsync(ConsumeContext<VerifyPayment> context, PortalLookup.CircuitOpen open)
    {
        var command = context.Message;
        var deferrals = ReadCounter(context, PaymentHeaders.DeferralCount) + 1;
        // In HALF_OPEN the probe's answer is a moment away: waiting for its timeout would hold the message for a window.
        var wait = open.HalfOpen ? _options.HalfOpenDeferral : open.RetryAfter;
        var delay = jitter.Apply(wait, _options.DeferralJitterRatio, _options.DeferralJitterMax);
        if (delay < MinimumDeferral)
        {
            delay = MinimumDeferral;
        }

        await PublishAsync(context, new PaymentVerificationDeferred(command.PaymentId, command.TransactionId, open.BreakerName, deferrals, delay));
        await ResendToSelfAsync(context, command, delay, PaymentHeaders.DeferralCount, deferrals);

        telemetry.RecordDeferral();
        Log.PaymentVerificationDeferred(logger, command.PaymentId, command.TransactionId, open.BreakerName, deferrals, delay);
    }

    /// <summary>
    /// Tells the saga that this chain is alive and when it will report next, so that neither a resubmission nor the
    /// reconciler starts a second chain while the redelivery waits. Nothing is said when the redeliveries are spent: the
    /// fault follows. A report that cannot be published changes nothing about the redelivery.
    /// </summary>
    private async Task ReportRetryingAsync(ConsumeContext<VerifyPayment> context, Exception exception)
    {
        var attempt = context.GetRedeliveryCount();
        if (attempt >= _redeliveryIntervals.Length)
        {
            return;
        }

        var command = context.Message;
        try
        {
            await PublishAsync(context, new PaymentVerificationRetrying(
                command.PaymentId, command.TransactionId, attempt + 1, PublicReason(exception), _redeliveryIntervals[attempt]));
        }
        catch (Exception publishFailure) when (!context.CancellationToken.IsCancellationRequested)
        {
            Log.RetryingReportFailed(logger, publishFailure, command.PaymentId, command.TransactionId);
        }
    }

    /// <summary>
    /// Schedules the same command back to this endpoint's queue. Unlike MassTransit's redelivery (which always writes
    /// <c>MT-Redelivery-Count</c> + 1), every header is copied as it came, <c>MT-Redelivery-Count</c> included (absent stays
    /// absent), so neither a pending re-check nor a deferral consumes a retry. Conversation and correlation are kept so
    /// traces stay joined; the message id is replaced and the first one kept in <c>MT-OriginalMessageId</c>, exactly as
    /// MassTransit's scheduled redelivery does by default, so that nothing that de-duplicates on message id (an inbox,
    /// the broker, the test harness) mistakes the next check for a duplicate of this one.
    /// </summary>
    private static Task ResendToSelfAsync(
        ConsumeContext<VerifyPayment> context, VerifyPayment command, TimeSpan delay, string counterHeader, int counter)
    {
        var pipe = Pipe.Execute<SendContext<VerifyPayment>>(send =>
        {
            send.RequestId = context.RequestId;
            send.CorrelationId = context.CorrelationId;
            send.ConversationId = context.ConversationId;
            send.InitiatorId = context.InitiatorId;
            send.SourceAddress = context.SourceAddress;
            send.ResponseAddress = context.ResponseAddress;
            send.FaultAddress = context.FaultAddress;

            foreach (var header in context.Headers.GetAll())
            {
                // The scheduling token belongs to the delivery that brought this copy; the scheduler issues a new one.
                if (header.Key == MtHeaders.SchedulingTokenId)
                {
                    continue;
                }

                send.Headers.Set(header.Key, header.Value);
            }

            send.Headers.Set(counterHeader, counter);

            send.MessageId = context.MessageId;
            send.ReplaceMessageId(context);
        });

        return context.ScheduleSend(context.ReceiveContext.InputAddress, delay, command, pipe, context.CancellationToken);
    }

    /// <summary>Every event of this consumer: bounded, so a confirmation lost with its connection fails the message instead of holding it.</summary>
    private Task PublishAsync<T>(ConsumeContext context, T message)
        where T : class =>
        deadline.RunAsync(token => context.Publish(message, token), context.CancellationToken);

    /// <summary>A counter header as it arrives: an int in memory, a string or a number of another width off the wire.</summary>
    private static int ReadCounter(ConsumeContext context, string header)
    {
        if (!context.Headers.TryGetHeader(header, out var value) || value is null)
        {
            return 0;
        }

        // A counter nobody can read starts again from zero: failing the message over a header would burn its retries.
        var count = value switch
        {
            int number => number,
            long number => (int)Math.Clamp(number, 0, int.MaxValue),
            string text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 0,
            IConvertible convertible => TryConvert(convertible),
            _ => 0,
        };
        return Math.Max(count, 0);
    }

    private static int TryConvert(IConvertible value)
    {
        try
        {
            return value.ToInt32(CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or InvalidCastException or OverflowException)
        {
            return 0;
        }
    }

    /// <summary>What the saga may show in <c>lastError</c>: the kind of failure, never host names or exception text.</summary>
    private static string PublicReason(Exception exception) => exception switch
    {
        PortalRequestException { StatusCode: { } status } when status != System.Net.HttpStatusCode.OK =>
            string.Create(CultureInfo.InvariantCulture, $"portal answered {(int)status}"),
        PortalRequestException { Kind: PortalFailureKind.Timeout } => "portal did not answer in time",
        PortalRequestException { Kind: PortalFailureKind.Connection } => "portal unreachable",
        PortalRequestException { Kind: PortalFailureKind.Unparsable } => "portal answer unreadable",
        _ => "verification error",
    };

    private static string ErrorType(Exception exception) => exception switch
    {
        PortalRequestException { StatusCode: { } status } => ((int)status).ToString(CultureInfo.InvariantCulture),
        _ => exception.GetType().FullName ?? exception.GetType().Name,
    };
}
