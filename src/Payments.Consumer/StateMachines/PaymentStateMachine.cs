using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.Options;
using Payments.Consumer.Verification;
using Payments.Consumer.Webhooks;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.StateMachines;

/// <remarks>
/// The verdict follows the money. A transaction belongs to the intent whose reference the portal reports, so a submission
/// never claims a transaction id: the wrong intent is rejected by the verification (reference mismatch) and the right one
/// can still be confirmed. One transaction confirms at most one intent (a unique index on confirmed rows).
/// At most one verification chain runs per intent: every report of the chain says when the next one is due
/// (<see cref="PaymentState.VerificationDueAt"/>), and a resubmission or the reconciler re-sends the command only when
/// the chain is overdue.
/// VerificationAttempts counts the answers of the verification consumer that involved the portal: verdicts (verified,
/// rejected, review, pending), failed attempts and faults. Deferrals made no portal call, so they count in CircuitDeferrals
/// only. Confirmed, Failed, Expired and Refunded are ordinary states rather than MassTransit's Final: rows are kept for the
/// API to read. Expired still takes a transaction (a late payment); Confirmed, Failed and Refunded ignore every event.
/// Every step that stores one of those statuses, or NeedsReview, records a webhook event in the same transaction; an
/// operator's resolution leaves NeedsReview for a final status and records <c>payment.resolved</c>.
/// </remarks>
public sealed class PaymentStateMachine : MassTransitStateMachine<PaymentState>
{
    internal const string TransactionAlreadyUsed = "transaction already used";

    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PaymentStateMachine> _logger;
    private readonly PaymentSagaOptions _options;
    private readonly VerificationOptions _verification;
    private readonly WebhookEventRecorder _webhooks;
    private readonly Uri _verificationAddress;

    public PaymentStateMachine(
        TimeProvider timeProvider,
        IOptions<PaymentSagaOptions> options,
        IOptions<VerificationOptions> verification,
        WebhookEventRecorder webhooks,
        ILogger<PaymentStateMachine> logger)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _webhooks = webhooks;
        _options = options.Value;
        _verification = verification.Value;
        // The exchange of the verification endpoint, not "queue:": a queue address makes the sender declare the queue, as a
        // classic queue, which the broker refuses for the quorum queue the consumer declared. The worker declares the queue
        // and its binding at start-up, before the saga consumes anything.
        _verificationAddress = new Uri($"exchange:{_options.VerificationQueue}");

        InstanceState(x => x.CurrentState);

        Event(() => Initiate, x => x.CorrelateById(m => m.Message.PaymentId));
        Event(() => TransactionSubmitted, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Verified, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Rejected, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => ReviewNeeded, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Pending, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Deferred, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Retrying, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => VerificationFaulted, x => CorrelateOrDiscard(x, m => m.Message.PaymentId));
        Event(() => Reconcile, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Resolve, x =>
        {
            x.CorrelateById(m => m.Message.PaymentId);
            // The API checks that the intent exists before it asks; one that vanished since is answered by nobody (a 503).
            x.OnMissingInstance(m => m.Discard());
        });

        // Nothing schedules an expiry any more (the reconciler finds intents past their deadline); one scheduled by an
        // earlier version still arrives, and is treated as the reconciler's message.
        Event(() => ExpiryDue, x => CorrelateOrDiscard(x, m => m.PaymentId));

        Initially(
            When(Initiate)
                .Then(Create)
                .TransitionTo(AwaitingTransaction)
                .Then(context => Log.SagaInitiated(_logger, context.Saga.Reference, context.Saga.ExpiresAt))
                .Respond(Initiated));

        // A late transaction (submitted once the intent expired, or while the expiry is on its way) is verified as usual:
        // the money may have arrived, and nobody would be told otherwise.
        During(AwaitingTransaction, Expired,
            When(TransactionSubmitted)
                .Then(StoreTransaction)
                .Then(RequestVerification)
                .Send(_verificationAddress, context => VerifyCommand(context.Saga))
                .TransitionTo(Verifying)
                .Then(context => Log.SagaVerificationRequested(
                    _logger, context.Saga.Reference, context.Message.TransactionId, context.Saga.SubmittedAfterExpiry)));

        // The reconciler's sweep hands back every intent past its deadline; the saga checks the deadline again under its lock.
        During(AwaitingTransaction,
            ExpireWhenDue(When(Reconcile)),
            ExpireWhenDue(When(ExpiryDue)));

        During(Verifying,
            When(TransactionSubmitted, context => !IsSameTransaction(context))
                .Then(context => Log.SagaOtherTransactionIgnored(_logger, context.Saga.Reference, context.Message.TransactionId)),
            When(TransactionSubmitted, IsSameTransaction)
                .IfElse(context => IsIdle(context.Saga, _verification.LongestRecheckInterval),
                    overdue => overdue
                        .Then(RequestVerification)
                        .Send(_verificationAddress, context => VerifyCommand(context.Saga))
                        .Then(context => Log.SagaVerificationRequestedAgain(_logger, context.Saga.Reference, context.Message.TransactionId)),
                    active => active
                        .Then(context => Log.SagaResubmissionWhileActive(_logger, context.Saga.Reference, context.Message.TransactionId))),
            When(Reconcile)
                .IfElse(context => IsIdle(context.Saga, _verification.StaleAfter),
                    overdue => overdue
                        .Then(RequestVerification)
                        .Send(_verificationAddress, context => VerifyCommand(context.Saga))
                        .Then(context => Log.SagaVerificationReconciled(_logger, context.Saga.Reference, context.Saga.TransactionId!)),
                    active => active
                        .Then(context => Log.SagaReconcileNotNeeded(_logger, context.Saga.Reference, context.Saga.CurrentState))),
            When(ReviewNeeded)
                .Then(RecordReview)
                .TransitionTo(NeedsReview)
                .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.NeedsReview))
                .Then(context => Log.SagaNeedsReview(_logger, context.Saga.Reference, context.Saga.ReviewReason!)),
            When(VerificationFaulted)
                .Then(RecordFault)
                .TransitionTo(NeedsReview)
                .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.NeedsReview))
                .Then(context => Log.SagaNeedsReview(_logger, context.Saga.Reference, context.Saga.ReviewReason!)),
            Ignore(ExpiryDue));

        // An operator may re-drive the command from the error queue: its reports are recorded and its verdict still
        // settles the intent.
        During(NeedsReview,
            When(ReviewNeeded)
                .Then(RecordReview),
            When(VerificationFaulted)
                .Then(RecordFault),
            When(Resolve, context => context.Message.Resolution == Resolutions.Confirm)
                .IfElseAsync(IsTransactionConfirmedElsewhere,
                    used => used
                        .Then(context => Log.SagaResolutionRefused(_logger, context.Saga.Reference, context.Message.Resolution, TransactionAlreadyUsed))
                        .Respond(context => Refusal(context,
                            "The transaction already confirmed another payment: this one cannot be confirmed with it.")),
                    free => Settle(free, Confirmed)),
            Settle(When(Resolve, context => context.Message.Resolution == Resolutions.Fail), Failed),
            Settle(When(Resolve, context => context.Message.Resolution == Resolutions.Refunded), Refunded),
            When(Resolve, context => Resolutions.StatusOf(context.Message.Resolution) is null)
                .Then(context => Log.SagaResolutionRefused(_logger, context.Saga.Reference, context.Message.Resolution, "unknown resolution"))
                .Respond(context => Refusal(context, $"Unknown resolution; one of {string.Join(", ", Resolutions.All)}.")),
            Ignore(TransactionSubmitted),
            Ignore(Reconcile),
            Ignore(ExpiryDue));

        During(Verifying, NeedsReview,
            When(Pending)
                .Then(RecordPending),
            When(Deferred)
                .Then(RecordDeferral),
            When(Retrying)
                .Then(RecordRetrying),
            When(Verified, IsLatePaymentForReview)
                .Then(RecordLatePayment)
                .TransitionTo(NeedsReview)
                .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.NeedsReview))
                .Then(context => Log.SagaNeedsReview(_logger, context.Saga.Reference, context.Saga.ReviewReason!)),
            When(Verified, context => !IsLatePaymentForReview(context))
                .IfElseAsync(IsConfirmedByAnotherIntentOnRetry,
                    used => used
                        .Then(MarkTransactionAlreadyUsed)
                        .TransitionTo(Failed)
                        .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.Failed))
                        .Then(context => Log.SagaTransactionAlreadyUsed(_logger, context.Saga.Reference, context.Message.TransactionId)),
                    free => free
                        .Then(Confirm)
                        .TransitionTo(Confirmed)
                        .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.Confirmed))
                        .Then(context => Log.SagaConfirmed(_logger, context.Saga.Reference))),
            When(Rejected)
                .ThenAsync(RejectAsync)
                .TransitionTo(Failed)
                .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.Failed))
                .Then(context => Log.SagaRejected(_logger, context.Saga.Reference, context.Saga.LastError!)));

        // Verification reports can reach an expired intent only from a chain that no longer exists; a settled one ignores
        // them as well, and a settled one takes no transaction either.
        During(Expired, Confirmed, Failed, Refunded,
            Ignore(Verified),
            Ignore(Rejected),
            Ignore(ReviewNeeded),
            Ignore(Pending),
            Ignore(Deferred),
            Ignore(Retrying),
            Ignore(VerificationFaulted),
            Ignore(Reconcile),
            Ignore(ExpiryDue));

        During(Confirmed, Failed, Refunded,
            Ignore(TransactionSubmitted));

        // Only a review can be resolved; a second resolution finds a final status and changes nothing.
        During(AwaitingTransaction, Verifying, Expired,
            When(Resolve)
                .Then(RefuseNotInReview)
                .Respond(NotInReview));
        During(Confirmed, Failed, Refunded,
            When(Resolve)
                .Then(RefuseNotInReview)
                .Respond(NotInReview));

        // The API may repeat an initiation whose answer it lost: answer again from what is stored, change nothing.
        DuringAny(
            When(Initiate)
                .Respond(Initiated));

        OnUnhandledEvent(context =>
        {
            Log.SagaEventIgnored(_logger, context.Saga.Reference, context.Saga.CurrentState, context.Event.Name);
            return context.Ignore();
        });
    }

    public State AwaitingTransaction { get; private set; } = null!;
    public State Verifying { get; private set; } = null!;
    public State Confirmed { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Expired { get; private set; } = null!;
    public State NeedsReview { get; private set; } = null!;
    public State Refunded { get; private set; } = null!;

    public Event<InitiatePayment> Initiate { get; private set; } = null!;
    public Event<PaymentTransactionSubmitted> TransactionSubmitted { get; private set; } = null!;
    public Event<PaymentVerified> Verified { get; private set; } = null!;
    public Event<PaymentRejected> Rejected { get; private set; } = null!;
    public Event<PaymentNeedsReview> ReviewNeeded { get; private set; } = null!;
    public Event<PaymentVerificationPending> Pending { get; private set; } = null!;
    public Event<PaymentVerificationDeferred> Deferred { get; private set; } = null!;
    public Event<PaymentVerificationRetrying> Retrying { get; private set; } = null!;
    public Event<Fault<VerifyPayment>> VerificationFaulted { get; private set; } = null!;
    public Event<ReconcilePayment> Reconcile { get; private set; } = null!;
    public Event<ResolvePayment> Resolve { get; private set; } = null!;

    public Event<PaymentExpiryDue> ExpiryDue { get; private set; } = null!;

    private EventActivityBinder<PaymentState, T> ExpireWhenDue<T>(EventActivityBinder<PaymentState, T> binder)
        where T : class =>
        binder.IfElse(context => _timeProvider.GetUtcNow() >= context.Saga.ExpiresAt,
            due => due
                .Then(Touch)
                .TransitionTo(Expired)
                .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.Expired))
                .Then(context => Log.SagaExpired(_logger, context.Saga.Reference)),
            early => early.Then(context => Log.SagaReconcileNotNeeded(_logger, context.Saga.Reference, context.Saga.CurrentState)));

    private static void CorrelateOrDiscard<T>(IEventCorrelationConfigurator<PaymentState, T> configurator, Func<T, Guid> paymentId)
        where T : class
    {
        configurator.CorrelateById(context => paymentId(context.Message));

        // Only an initiation creates an intent; anything else for an unknown id is stale or misrouted.
        configurator.OnMissingInstance(m => m.Discard());
    }

    private void Create(BehaviorContext<PaymentState, InitiatePayment> context)
    {
        var now = _timeProvider.GetUtcNow();
        var saga = context.Saga;
        var message = context.Message;

        saga.Reference = saga.CorrelationId.ToString("N");
        saga.UserId = message.UserId;
        saga.ClientId = message.ClientId ?? InitiatePayment.DefaultClient;
        saga.Recipient = message.Recipient.ToLowerInvariant();
        saga.Token = message.Token;
        saga.Amount = message.Amount;
        saga.CreatedAt = now;
        saga.UpdatedAt = now;
        saga.ExpiresAt = now + _options.ExpiryAfter;
    }

    private static PaymentInitiated Initiated(BehaviorContext<PaymentState, InitiatePayment> context) =>
        new(context.Saga.CorrelationId, context.Saga.Reference, context.Saga.CurrentState, context.Saga.ExpiresAt);

    private static bool IsSameTransaction(BehaviorContext<PaymentState, PaymentTransactionSubmitted> context) =>
        string.Equals(context.Message.TransactionId, context.Saga.TransactionId, StringComparison.Ordinal);

    /// <summary>Nobody has reported on the verification for longer than <paramref name="threshold"/> past the due time.</summary>
    private bool IsIdle(PaymentState saga, TimeSpan threshold) =>
        saga.VerificationDueAt is not { } due || _timeProvider.GetUtcNow() - due > threshold;

    private bool IsLatePaymentForReview(BehaviorContext<PaymentState, PaymentVerified> context) =>
        context.Saga.SubmittedAfterExpiry && _options.LatePayments == LatePaymentPolicy.Review;

    /// <summary>
    /// Only the intent whose reference the portal reports is ever verified, so a second confirmation of one transaction
    /// means a portal that contradicts itself. The unique index on confirmed rows refuses it; the endpoint retries, and the
    /// retry (only the retry, so that a confirmation costs no extra query) finds the other owner and fails this intent.
    /// </summary>
    private static async Task<bool> IsConfirmedByAnotherIntentOnRetry(BehaviorContext<PaymentState, PaymentVerified> context) =>
        context.GetRetryAttempt() > 0 && await IsConfirmedByAnotherIntentAsync(context, context.Message.TransactionId);

    private static async Task<bool> IsConfirmedByAnotherIntentAsync(BehaviorContext<PaymentState> context, string transactionId)
    {
        var correlationId = context.Saga.CorrelationId;
        var repository = context.GetServiceOrCreateInstance<IQuerySagaRepository<PaymentState>>();
        var owners = await repository.Find(new SagaQuery<PaymentState>(
            x => x.TransactionId == transactionId && x.CurrentState == PaymentStatuses.Confirmed && x.CorrelationId != correlationId));
        return owners.Any();
    }

    private void StoreTransaction(BehaviorContext<PaymentState, PaymentTransactionSubmitted> context)
    {
        var saga = context.Saga;
        var now = _timeProvider.GetUtcNow();

        // Late when the intent had expired, or its deadline passed while the expiry message was still on its way.
        saga.SubmittedAfterExpiry = saga.CurrentState == PaymentStatuses.Expired || now >= saga.ExpiresAt;
        saga.TransactionId = context.Message.TransactionId;
        saga.UpdatedAt = now;
    }

    /// <summary>The command goes out with this step: its chain is due to report from now on.</summary>
    private void RequestVerification(BehaviorContext<PaymentState> context)
    {
        Touch(context);
        context.Saga.VerificationDueAt = context.Saga.UpdatedAt;
    }

    private static VerifyPayment VerifyCommand(PaymentState saga) =>
        new(saga.CorrelationId, saga.Reference, saga.TransactionId!, saga.Recipient, saga.Token, saga.Amount, saga.FirstCheckedAt);

    private void RecordPending(BehaviorContext<PaymentState, PaymentVerificationPending> context)
    {
        var saga = context.Saga;

        // The count in the event restarts when the command is re-sent; the saga's count keeps growing with every check.
        saga.PendingChecks = Math.Max(saga.PendingChecks + 1, context.Message.PendingChecks);
        saga.RawPortalStatus = context.Message.PortalStatus;
        saga.FirstCheckedAt ??= context.Message.FirstCheckedAt;
        saga.VerificationAttempts++;
        ReportDue(context, context.Message.NextCheckIn);
    }

    private void RecordDeferral(BehaviorContext<PaymentState, PaymentVerificationDeferred> context)
    {
        context.Saga.CircuitDeferrals++;
        ReportDue(context, context.Message.RetryAfter);
    }

    private void RecordRetrying(BehaviorContext<PaymentState, PaymentVerificationRetrying> context)
    {
        context.Saga.LastError = context.Message.Error;
        context.Saga.VerificationAttempts++;
        ReportDue(context, context.Message.NextAttemptIn);
    }

    private void ReportDue(BehaviorContext<PaymentState> context, TimeSpan nextReportIn)
    {
        Touch(context);
        context.Saga.VerificationDueAt = context.Saga.UpdatedAt + nextReportIn;
    }

    private void RecordReview(BehaviorContext<PaymentState, PaymentNeedsReview> context)
    {
        var saga = context.Saga;
        var message = context.Message;

        saga.ReviewReason = message.ReviewReason;
        saga.LastError = message.Reason;
        saga.RawPortalStatus = message.PortalStatus ?? saga.RawPortalStatus;
        saga.TransactionHash = message.TransactionHash ?? saga.TransactionHash;
        saga.VerificationAttempts++;
        Touch(context);
    }

    private void RecordFault(BehaviorContext<PaymentState, Fault<VerifyPayment>> context)
    {
        var saga = context.Saga;

        // The fault's own text is exception text (host names, ports); the last retrying report holds the public reason.
        saga.ReviewReason = ReviewReasons.VerificationFaulted;
        if (saga.LastError?.StartsWith(ReviewReasons.VerificationFaulted, StringComparison.Ordinal) != true)
        {
            saga.LastError = $"{ReviewReasons.VerificationFaulted}: {saga.LastError ?? "verification failed"}; redeliveries exhausted";
        }

        saga.VerificationAttempts++;
        Touch(context);
    }

    private void RecordLatePayment(BehaviorContext<PaymentState, PaymentVerified> context)
    {
        var saga = context.Saga;

        saga.ReviewReason = ReviewReasons.PaidAfterExpiry;
        saga.LastError = $"{ReviewReasons.PaidAfterExpiry}: a matching transaction was submitted after the intent expired at {saga.ExpiresAt:O}";
        saga.TransactionHash = context.Message.TransactionHash;
        saga.RawPortalStatus = context.Message.PortalStatus;
        saga.VerificationAttempts++;
        Touch(context);
    }

    private void Confirm(BehaviorContext<PaymentState, PaymentVerified> context)
    {
        var saga = context.Saga;

        saga.TransactionHash = context.Message.TransactionHash;
        saga.RawPortalStatus = context.Message.PortalStatus;
        saga.VerificationAttempts++;
        Touch(context);
        saga.ConfirmedAt = saga.UpdatedAt;
    }

    /// <summary>
    /// A transaction that already confirmed another intent is reported as such rather than with the mismatch the portal's
    /// answer shows (its reference is the other intent's). Rejections are rare, so the lookup costs the hot path nothing.
    /// </summary>
    private async Task RejectAsync(BehaviorContext<PaymentState, PaymentRejected> context)
    {
        var saga = context.Saga;
        var used = await IsConfirmedByAnotherIntentAsync(context, context.Message.TransactionId);

        saga.LastError = used ? TransactionAlreadyUsed : context.Message.Reason;
        saga.RawPortalStatus = context.Message.PortalStatus ?? saga.RawPortalStatus;
        saga.VerificationAttempts++;
        Touch(context);
    }

    private void MarkTransactionAlreadyUsed(BehaviorContext<PaymentState, PaymentVerified> context)
    {
        context.Saga.LastError = TransactionAlreadyUsed;
        context.Saga.VerificationAttempts++;
        Touch(context);
    }

    private static Task<bool> IsTransactionConfirmedElsewhere(BehaviorContext<PaymentState, ResolvePayment> context) =>
        context.Saga.TransactionId is { } transactionId
            ? IsConfirmedByAnotherIntentAsync(context, transactionId)
            : Task.FromResult(false);

    /// <summary>An operator's resolution: recorded, the final status, its webhook event, the answer to the API.</summary>
    private EventActivityBinder<PaymentState, ResolvePayment> Settle(EventActivityBinder<PaymentState, ResolvePayment> binder, State status) =>
        binder
            .Then(RecordResolution)
            .TransitionTo(status)
            .ThenAsync(context => _webhooks.RecordAsync(context, WebhookEventTypes.Resolved))
            .Then(context => Log.SagaResolved(_logger, context.Saga.Reference, context.Saga.Resolution!, context.Saga.CurrentState))
            .Respond(Resolved);

    /// <summary>The review reason stays: it says what the operator decided about. A confirmation is confirmed at that time.</summary>
    private void RecordResolution(BehaviorContext<PaymentState, ResolvePayment> context)
    {
        var saga = context.Saga;
        Touch(context);
        saga.Resolution = context.Message.Resolution;
        saga.ResolutionNote = context.Message.Note;
        saga.ResolvedAt = saga.UpdatedAt;
        if (context.Message.Resolution == Resolutions.Confirm)
        {
            saga.ConfirmedAt = saga.ResolvedAt;
        }
    }

    private static PaymentResolved Resolved(BehaviorContext<PaymentState, ResolvePayment> context) =>
        new(context.Saga.CorrelationId, context.Saga.Reference, context.Saga.CurrentState, context.Saga.Resolution!, context.Saga.ResolvedAt!.Value);

    private void RefuseNotInReview(BehaviorContext<PaymentState, ResolvePayment> context) =>
        Log.SagaResolutionRefused(_logger, context.Saga.Reference, context.Message.Resolution, context.Saga.CurrentState);

    private static PaymentResolutionRefused NotInReview(BehaviorContext<PaymentState, ResolvePayment> context) =>
        Refusal(context, $"The payment is {context.Saga.CurrentState}: only a NeedsReview payment can be resolved.");

    private static PaymentResolutionRefused Refusal(BehaviorContext<PaymentState, ResolvePayment> context, string reason) =>
        new(context.Saga.CorrelationId, context.Saga.Reference, context.Saga.CurrentState, reason);

    private void Touch(BehaviorContext<PaymentState> context) => context.Saga.UpdatedAt = _timeProvider.GetUtcNow();
}

