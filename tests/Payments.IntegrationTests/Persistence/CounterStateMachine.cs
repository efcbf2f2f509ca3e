using MassTransit;
using MassTransit.Saga;
using Payments.Infrastructure.Persistence;

namespace Payments.IntegrationTests.Persistence;

public sealed record OpenCounter(Guid CounterId);

public sealed record BumpCounter(Guid CounterId);

public sealed record ClaimTransaction(Guid CounterId, string TransactionId);

public sealed record ClaimTransactionBlindly(Guid CounterId, string TransactionId);

public sealed record StoreTransaction(Guid CounterId, string TransactionId);

public sealed record BumpByTransaction(string TransactionId);

/// <summary>
/// A minimal state machine on the real saga row, to exercise the repository: every event only counts, so a lost update
/// shows as a wrong count. A claim confirms the counter with a transaction id, mirroring the payment state machine's rule:
/// look for another confirmed owner of the transaction id first; the unique index on confirmed rows and a retry settle a
/// race between two claimers. Storing a transaction id without confirming competes with nobody.
/// </summary>
public class CounterStateMachine : MassTransitStateMachine<PaymentState>
{
    public const string AlreadyUsed = "transaction already used";

    public CounterStateMachine()
        : this(insertOnInitial: false)
    {
    }

    protected CounterStateMachine(bool insertOnInitial)
    {
        InstanceState(x => x.CurrentState);

        Event(() => Opened, e =>
        {
            e.CorrelateById(c => c.Message.CounterId);
            if (insertOnInitial)
            {
                // The row is inserted before the state machine runs, so it must already satisfy every NOT NULL column.
                e.InsertOnInitial = true;
                e.SetSagaFactory(c =>
                {
                    var saga = new PaymentState { CorrelationId = c.Message.CounterId, CurrentState = "Initial" };
                    Fill(saga);
                    return saga;
                });
            }
        });
        Event(() => Bumped, e =>
        {
            e.CorrelateById(c => c.Message.CounterId);
            e.OnMissingInstance(m => m.Fault());
        });
        Event(() => Claimed, e => e.CorrelateById(c => c.Message.CounterId));
        Event(() => ClaimedBlindly, e => e.CorrelateById(c => c.Message.CounterId));
        Event(() => Stored, e => e.CorrelateById(c => c.Message.CounterId));
        Event(() => BumpedByTransaction, e =>
        {
            e.CorrelateBy((saga, c) => saga.TransactionId == c.Message.TransactionId);
            e.OnMissingInstance(m => m.Fault());
        });

        Initially(
            When(Opened)
                .Then(c => Fill(c.Saga))
                .TransitionTo(Open));

        During(Open, Confirmed,
            When(Opened).Then(c => c.Saga.PendingChecks++),
            When(Bumped).Then(c => c.Saga.VerificationAttempts++),
            When(BumpedByTransaction).Then(c => c.Saga.CircuitDeferrals++));

        // Only confirmed rows compete for a transaction id (the partial unique index), as in the payment saga.
        During(Open,
            When(Stored).Then(c => c.Saga.TransactionId = c.Message.TransactionId),
            When(ClaimedBlindly)
                .Then(c => c.Saga.TransactionId = c.Message.TransactionId)
                .TransitionTo(Confirmed),
            When(Claimed).IfElseAsync(
                async c =>
                {
                    var transactionId = c.Message.TransactionId;
                    var repository = c.GetServiceOrCreateInstance<IQuerySagaRepository<PaymentState>>();
                    var owners = await repository.Find(new SagaQuery<PaymentState>(
                        x => x.TransactionId == transactionId && x.CurrentState == "Confirmed"));
                    return owners.Any(owner => owner != c.Saga.CorrelationId);
                },
                used => used.Then(c => c.Saga.LastError = AlreadyUsed),
                free => free
                    .Then(c => c.Saga.TransactionId = c.Message.TransactionId)
                    .TransitionTo(Confirmed)));
    }

    public State Open { get; protected set; } = null!;

    public State Confirmed { get; protected set; } = null!;

    public Event<StoreTransaction> Stored { get; protected set; } = null!;

    public Event<OpenCounter> Opened { get; protected set; } = null!;

    public Event<BumpCounter> Bumped { get; protected set; } = null!;

    public Event<ClaimTransaction> Claimed { get; protected set; } = null!;

    public Event<ClaimTransactionBlindly> ClaimedBlindly { get; protected set; } = null!;

    public Event<BumpByTransaction> BumpedByTransaction { get; protected set; } = null!;

    protected static void Fill(PaymentState saga)
    {
        var now = DateTimeOffset.UtcNow;
        saga.Reference = saga.CorrelationId.ToString("N");
        saga.UserId = "user-1";
        saga.Recipient = "0x" + new string('a', 40);
        saga.Token = "WLD";
        saga.Amount = "1000000000000000000";
        saga.PendingChecks = 1;
        saga.CreatedAt = now;
        saga.UpdatedAt = now;
        saga.ExpiresAt = now.AddMinutes(15);
    }
}

/// <summary>The same counter, with MassTransit's insert-first path for initiating events (the repository's <c>Insert</c>).</summary>
public sealed class InsertingCounterStateMachine : CounterStateMachine
{
    public InsertingCounterStateMachine()
        : base(insertOnInitial: true)
    {
    }
}
