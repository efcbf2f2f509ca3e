using System.Diagnostics;
using MassTransit;
using MassTransit.Events;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Payments.Consumer.StateMachines;
using Payments.Consumer.Tests.Testing;
using Payments.Consumer.Tests.Webhooks;
using Payments.Consumer.Webhooks;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Tests.StateMachines;

/// <summary>
/// The payment saga on the shared in-memory harness, with the production registration (definition, retry, outbox) and
/// helpers that drive an intent through its states. Every wait is on an observable condition with a deadline.
/// </summary>
internal sealed class PaymentSagaHarness : IAsyncDisposable
{
    public const string VerificationFailure = "portal unavailable: redeliveries exhausted";

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly ServiceProvider _provider;

    private PaymentSagaHarness(ServiceProvider provider, FakeTimeProvider time, RecordingWebhookOutbox webhookEvents)
    {
        _provider = provider;
        Time = time;
        WebhookEvents = webhookEvents;
        Harness = provider.GetRequiredService<ITestHarness>();
        Saga = Harness.GetSagaStateMachineHarness<PaymentStateMachine, PaymentState>();
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The webhook events the saga stored (only for clients with an endpoint in <c>Webhooks:{client}</c>).</summary>
    public RecordingWebhookOutbox WebhookEvents { get; }
    public ITestHarness Harness { get; }
    public ISagaStateMachineTestHarness<PaymentStateMachine, PaymentState> Saga { get; }
    public PaymentStateMachine Machine => Saga.StateMachine;

    public static async Task<PaymentSagaHarness> StartAsync(
        bool failVerification = false,
        TimeSpan? expiryAfter = null,
        FakeTimeProvider? time = null,
        IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var settings = new Dictionary<string, string?>(configuration ?? new Dictionary<string, string?>());
        if (expiryAfter is not null)
        {
            settings["PaymentSaga:ExpiryAfter"] = expiryAfter.Value.ToString("c");
        }

        time ??= new FakeTimeProvider(Start);
        var webhookEvents = new RecordingWebhookOutbox();
        var provider = HarnessSetup.BuildHarness(
            x =>
            {
                x.AddPaymentSaga();
                if (failVerification)
                {
                    x.AddConsumer<FailingVerifier>().Endpoint(e => e.Name = "verify-payment");
                }
            },
            services =>
            {
                services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
                services.AddSingleton<IWebhookOutbox>(webhookEvents);
            },
            time);

        var harness = new PaymentSagaHarness(provider, time, webhookEvents);
        await harness.Harness.Start();
        return harness;
    }

    public static InitiatePayment NewIntent(Guid? paymentId = null) =>
        new(paymentId ?? NewId.NextGuid(), "user-42", "USDC", "1500000", "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01");

    public static string NewTransactionId() => "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    public async Task<PaymentInitiated> InitiateAsync(InitiatePayment command)
    {
        var client = Harness.GetRequestClient<InitiatePayment>();
        var response = await client.GetResponse<PaymentInitiated>(command);
        return response.Message;
    }

    public async Task<Guid> InitiatedAsync()
    {
        var command = NewIntent();
        await InitiateAsync(command);
        return command.PaymentId;
    }

    public async Task<(Guid PaymentId, string TransactionId)> VerifyingAsync()
    {
        var paymentId = await InitiatedAsync();
        var transactionId = NewTransactionId();
        await PublishAndWaitAsync(new PaymentTransactionSubmitted(paymentId, transactionId));
        await ShouldBeInAsync(paymentId, Machine.Verifying);
        return (paymentId, transactionId);
    }

    /// <summary>Publishes an event and returns once the saga endpoint has consumed it.</summary>
    public async Task PublishAndWaitAsync<T>(T message)
        where T : class
    {
        var seen = ConsumedBySaga<T>(x => x.Equals(message)).Count;
        await Harness.Bus.Publish(message);
        await EventuallyAsync(() => ConsumedBySaga<T>(x => x.Equals(message)).Count > seen, $"the saga did not consume {message}");
    }

    public async Task PublishFaultAndWaitAsync(Guid paymentId, string transactionId, string error)
    {
        var faultId = NewId.NextGuid();
        await Harness.Bus.Publish<Fault<VerifyPayment>>(new
        {
            FaultId = faultId,
            Message = new VerifyPayment(paymentId, paymentId.ToString("N"), transactionId, "0x00", "USDC", "1"),
            Exceptions = new ExceptionInfo[] { new FaultExceptionInfo(new InvalidOperationException(error)) },
        });
        await EventuallyAsync(() => ConsumedBySaga<Fault<VerifyPayment>>(x => x.FaultId == faultId).Any(), "the saga did not consume the fault");
    }

    public async Task ShouldBeInAsync(Guid paymentId, State state)
    {
        var found = await Saga.Exists(paymentId, state, Wait);
        found.ShouldBe(paymentId, $"payment {paymentId} did not reach {state.Name}; it is {Saga.Sagas.Contains(paymentId)?.CurrentState}");
    }

    public PaymentState Row(Guid paymentId) =>
        Saga.Sagas.Contains(paymentId) ?? throw new InvalidOperationException($"no saga {paymentId}");

    public PaymentSnapshot Snapshot(Guid paymentId) => PaymentSnapshot.Of(Row(paymentId));

    // A cancelled token makes the harness lists answer from what they hold now instead of waiting for more.
    private static CancellationToken Now => new(canceled: true);

    public IReadOnlyList<IReceivedMessage<T>> ConsumedBySaga<T>(Func<T, bool> filter)
        where T : class =>
        Saga.Consumed.Select<T>(x => filter(x.Context.Message), Now).ToList();

    public IReadOnlyList<ISentMessage<VerifyPayment>> VerifyCommandsSentFor(Guid paymentId) =>
        Harness.Sent.Select<VerifyPayment>(x => x.Context.Message.PaymentId == paymentId, Now).ToList();

    /// <summary>Faults of messages the saga consumed (a fault of VerifyPayment is an input of the saga, not its failure).</summary>
    public IReadOnlyList<object> SagaFaultsPublished() =>
        Harness.Published.Select(x => x.MessageObject is Fault and not Fault<VerifyPayment>, Now).Select(x => x.MessageObject).ToList();

    /// <summary>Waits until the bus has been idle for the harness's inactivity timeout: nothing more is on its way.</summary>
    public Task QuietAsync() => Harness.InactivityTask.WaitAsync(Wait);

    /// <summary>Polls a condition on what the harness has observed, with a deadline.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string because, Func<Task>? step = null)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            if (step is not null)
            {
                await step();
            }

            if (condition())
            {
                return;
            }

            elapsed.Elapsed.ShouldBeLessThan(Wait, because);
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }
    }

    /// <summary>Moves the clock to the intent's deadline and hands the intent to the saga as the reconciler's sweep does.</summary>
    public async Task ExpireAsync(Guid paymentId)
    {
        var untilDeadline = Row(paymentId).ExpiresAt - Time.GetUtcNow();
        if (untilDeadline > TimeSpan.Zero)
        {
            Time.Advance(untilDeadline);
        }

        await PublishAndWaitAsync(new ReconcilePayment(paymentId));
        await ShouldBeInAsync(paymentId, Machine.Expired);
    }

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    private sealed class FailingVerifier : IConsumer<VerifyPayment>
    {
        public Task Consume(ConsumeContext<VerifyPayment> context) => throw new InvalidOperationException(VerificationFailure);
    }
}

/// <summary>A copy of every column of the saga row, so that "nothing changed" is one equality.</summary>
internal sealed record PaymentSnapshot(
    string CurrentState,
    string Reference,
    string ClientId,
    string UserId,
    string Recipient,
    string Token,
    string Amount,
    string? TransactionId,
    string? TransactionHash,
    string? RawPortalStatus,
    int VerificationAttempts,
    int CircuitDeferrals,
    int PendingChecks,
    string? LastError,
    string? ReviewReason,
    bool SubmittedAfterExpiry,
    DateTimeOffset? FirstCheckedAt,
    DateTimeOffset? VerificationDueAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset ExpiresAt,
    string? Resolution,
    string? ResolutionNote,
    DateTimeOffset? ResolvedAt,
    Guid? ExpiryTokenId)
{
    public static PaymentSnapshot Of(PaymentState s) => new(
        s.CurrentState, s.Reference, s.ClientId, s.UserId, s.Recipient, s.Token, s.Amount, s.TransactionId, s.TransactionHash,
        s.RawPortalStatus, s.VerificationAttempts, s.CircuitDeferrals, s.PendingChecks, s.LastError, s.ReviewReason,
        s.SubmittedAfterExpiry, s.FirstCheckedAt, s.VerificationDueAt, s.CreatedAt, s.UpdatedAt,
        s.ConfirmedAt, s.ExpiresAt, s.Resolution, s.ResolutionNote, s.ResolvedAt, s.ExpiryTokenId);
}
