using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.Options;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.StateMachines;

/// <remarks>
/// VerificationAttempts counts the answers of the verification consumer that involved the portal or gave up on it:
/// verdicts (verified, rejected, pending) and faults. Deferrals made no portal call, so they count in CircuitDeferrals only.
/// Confirmed, Failed and Expired are ordinary states rather than MassTransit's Final: rows are kept for the API to read,
/// and every event that reaches them is ignored.
/// </remarks>
public sealed class PaymentStateMachine : MassTransitStateMachine<PaymentState>
{
    internal const string TransactionAlreadyUsed = "transaction already used";

    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PaymentStateMachine> _logger;
    private readonly PaymentSagaOptions _options;
    private readonly Uri _verificationAddress;

    public PaymentStateMachine(TimeProvider timeProvider, IOptions<PaymentSagaOptions> options, ILogger<PaymentStateMachine> logger)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options.Value;
        // The exchange of the verification endpoint, not "queue:": a queue address makes the sender declare the queue, as a
        // classic queue, which the broker refuses for the quorum queue the consumer declared. The worker declares the queue
        // and its binding at start-up, before the saga consumes anything.
        _verificationAddress = new Uri($"exchange:{_options.VerificationQueue}");

        InstanceState(x => x.CurrentState);

        Event(() => Initiate, x => x.CorrelateById(m => m.Message.PaymentId));
        Event(() => TransactionSubmitted, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Verified, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Rejected, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Pending, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => Deferred, x => CorrelateOrDiscard(x, m => m.PaymentId));
        Event(() => VerificationFaulted, x => CorrelateOrDiscard(x, m => m.Message.PaymentId));

        Schedule(() => ExpiryDue, x => x.ExpiryTokenId, s =>
        {
            s.Delay = _options.ExpiryAfter;
            s.Received = r => CorrelateOrDiscard(r, m => m.PaymentId);
        });

        Initially(
            When(Initiate)
                .Then(Create)
                .Schedule(ExpiryDue, context => new PaymentExpiryDue(context.Saga.CorrelationId))
                .TransitionTo(AwaitingTransaction)
                .Then(context => Log.SagaInitiated(_logger, context.Saga.Reference, context.Saga.ExpiresAt))
                .Respond(Initiated));

        During(AwaitingTransaction,
            When(TransactionSubmitted)
                .IfElseAsync(IsTransactionUsedByAnotherIntent,
                    used => used
                        .Then(MarkTransactionAlreadyUsed)
                        .Unschedule(ExpiryDue)
                        .TransitionTo(Failed)
                        .Then(context => Log.SagaTransactionAlreadyUsed(_logger, context.Saga.Reference, context.Message.TransactionId)),
                    free => free
                        .Then(StoreTransaction)
                        .Unschedule(ExpiryDue)
                        .Send(_verificationAddress, BuildVerifyPayment)
                        .TransitionTo(Verifying)
                        .Then(context => Log.SagaVerificationRequested(_logger, context.Saga.Reference, context.Message.TransactionId))),
            When(ExpiryDue.Received)
                .Then(Touch)
                .TransitionTo(Expired)
                .Then(context => Log.SagaExpired(_logger, context.Saga.Reference)));

        During(Verifying,
            When(TransactionSubmitted, context => context.Message.TransactionId == context.Saga.TransactionId)
                .Then(Touch)
                .Send(_verificationAddress, BuildVerifyPayment)
                .Then(context => Log.SagaVerificationRequestedAgain(_logger, context.Saga.Reference, context.Message.TransactionId)),
            When(TransactionSubmitted, context => context.Message.TransactionId != context.Saga.TransactionId)
                .Then(context => Log.SagaOtherTransactionIgnored(_logger, context.Saga.Reference, context.Message.TransactionId)),
            When(Pending)
                .Then(RecordPending),
            When(Deferred)
                .Then(RecordDeferral),
            When(VerificationFaulted)
                .Then(RecordFault)
                .TransitionTo(NeedsReview)
                .Then(context => Log.SagaNeedsReview(_logger, context.Saga.Reference)));

        // An operator may re-drive the command from the error queue: its verdict still settles the intent.
        During(NeedsReview,
            When(Pending)
                .Then(RecordPending),
            When(Deferred)
                .Then(RecordDeferral),
            When(VerificationFaulted)
                .Then(RecordFault),
            Ignore(TransactionSubmitted));

        During(Verifying, NeedsReview,
            When(Verified)
                .Then(Confirm)
                .TransitionTo(Confirmed)
                .Then(context => Log.SagaConfirmed(_logger, context.Saga.Reference)),
            When(Rejected)
                .Then(Reject)
                .TransitionTo(Failed)
                .Then(context => Log.SagaRejected(_logger, context.Saga.Reference)),
            Ignore(ExpiryDue.Received));

        During(Confirmed, Failed, Expired,
            Ignore(TransactionSubmitted),
            Ignore(Verified),
            Ignore(Rejected),
            Ignore(Pending),
            Ignore(Deferred),
            Ignore(VerificationFaulted),
            Ignore(ExpiryDue.Received));

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

    public Event<InitiatePayment> Initiate { get; private set; } = null!;
    public Event<PaymentTransactionSubmitted> TransactionSubmitted { get; private set; } = null!;
    public Event<PaymentVerified> Verified { get; private set; } = null!;
    public Event<PaymentRejected> Rejected { get; private set; } = null!;
    public Event<PaymentVerificationPending> Pending { get; private set; } = null!;
    public Event<PaymentVerificationDeferred> Deferred { get; private set; } = null!;
    public Event<Fault<VerifyPayment>> VerificationFaulted { get; private set; } = null!;

    public Schedule<PaymentState, PaymentExpiryDue> ExpiryDue { get; private set; } = null!;

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
        saga.Recipient = message.Recipient.ToLowerInvariant();
        saga.Token = message.Token;
        saga.Amount = message.Amount;
        saga.CreatedAt = now;
        saga.UpdatedAt = now;
        saga.ExpiresAt = now + _options.ExpiryAfter;
    }

    private static PaymentInitiated Initiated(BehaviorContext<PaymentState, InitiatePayment> context) =>
        new(context.Saga.CorrelationId, context.Saga.Reference, context.Saga.CurrentState, context.Saga.ExpiresAt);

    private static async Task<bool> IsTransactionUsedByAnotherIntent(BehaviorContext<PaymentState, PaymentTransactionSubmitted> context)
    {
        var transactionId = context.Message.TransactionId;
        var correlationId = context.Saga.CorrelationId;
        var repository = context.GetServiceOrCreateInstance<IQuerySagaRepository<PaymentState>>();

        var owners = await repository.Find(new SagaQuery<PaymentState>(x => x.TransactionId == transactionId));

        return owners.Any(id => id != correlationId);
    }

    private void StoreTransaction(BehaviorContext<PaymentState, PaymentTransactionSubmitted> context)
    {
        context.Saga.TransactionId = context.Message.TransactionId;
        Touch(context);
    }

    private static VerifyPayment BuildVerifyPayment(BehaviorContext<PaymentState, PaymentTransactionSubmitted> context) =>
        new(
            context.Saga.CorrelationId,
            context.Saga.Reference,
            context.Message.TransactionId,
            context.Saga.Recipient,
            context.Saga.Token,
            context.Saga.Amount);

    private void RecordPending(BehaviorContext<PaymentState, PaymentVerificationPending> context)
    {
        var saga = context.Saga;

        // The count in the event restarts when the command is re-sent; the saga's count keeps growing with every check.
        saga.PendingChecks = Math.Max(saga.PendingChecks + 1, context.Message.PendingChecks);
        saga.RawPortalStatus = context.Message.PortalStatus;
        saga.VerificationAttempts++;
        Touch(context);
    }

    private void RecordDeferral(BehaviorContext<PaymentState, PaymentVerificationDeferred> context)
    {
        context.Saga.CircuitDeferrals++;
        Touch(context);
    }

    private void RecordFault(BehaviorContext<PaymentState, Fault<VerifyPayment>> context)
    {
        var saga = context.Saga;

        saga.LastError = context.Message.Exceptions.FirstOrDefault()?.Message ?? "verification faulted";
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

    private void Reject(BehaviorContext<PaymentState, PaymentRejected> context)
    {
        var saga = context.Saga;

        saga.LastError = context.Message.Reason;
        saga.RawPortalStatus = context.Message.PortalStatus ?? saga.RawPortalStatus;
        saga.VerificationAttempts++;
        Touch(context);
    }

    // The transaction id is not stored: the unique index on it belongs to the intent that claimed it first.
    private void MarkTransactionAlreadyUsed(BehaviorContext<PaymentState, PaymentTransactionSubmitted> context)
    {
        context.Saga.LastError = TransactionAlreadyUsed;
        Touch(context);
    }

    private void Touch(BehaviorContext<PaymentState> context) => context.Saga.UpdatedAt = _timeProvider.GetUtcNow();
}
