using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Payments.Load.Clients;

namespace Payments.Load.Chaos;

/// <summary>What a payment really was on chain: the simulator answers it so, and the saga must settle it accordingly.</summary>
public enum PaymentTruth
{
    /// <summary>The full amount to our recipient: must end Confirmed.</summary>
    Paid,

    /// <summary>Less than asked to our recipient: must not be Confirmed (NeedsReview, underpaid).</summary>
    Underpaid,

    /// <summary>Failed on chain: must not be Confirmed (Failed).</summary>
    FailedOnChain,

    /// <summary>Mined, to another recipient: must not be Confirmed (Failed).</summary>
    OtherRecipient,
}

/// <summary>One payment of a scenario as its client saw it.</summary>
public sealed class ChaosPayment(int index, PaymentTruth truth)
{
    public int Index { get; } = index;
    public PaymentTruth Truth { get; } = truth;
    public string TransactionId { get; } = OnChain.NewTransactionId();
    public string? Reference { get; set; }

    /// <summary>When the API accepted the submission (202): from then on, the system owes it a final status.</summary>
    public DateTimeOffset? SubmittedAt { get; set; }

    /// <summary>Why the client gave up on it, when it did.</summary>
    public string? GaveUp { get; set; }
}

/// <summary>
/// Drives a scenario's payments at a steady rate, as careful clients would: each initiation with an Idempotency-Key and
/// every call retried while the API answers "later" or not at all (<see cref="ClientRetry"/>). The mix: 88% paid in full,
/// 4% underpaid, 4% failed on chain, 4% paid to another recipient.
/// </summary>
public sealed class ChaosLoad(PaymentsApiClient api, SimulatorClient simulator)
{
    public const string Token = "USDC";
    public const string Amount = "1.25";
    public const string BaseUnits = "1250000";
    public const string UnderpaidBaseUnits = "1000000";

    /// <summary>A client's patience: longer than any fault of the suite, so that a give-up is a finding, not the plan.</summary>
    private static readonly TimeSpan _giveUpAfter = TimeSpan.FromMinutes(3);

    public static PaymentTruth TruthOf(int index) => (index % 25) switch
    {
        7 => PaymentTruth.Underpaid,
        14 => PaymentTruth.FailedOnChain,
        21 => PaymentTruth.OtherRecipient,
        _ => PaymentTruth.Paid,
    };

    public static string NewRunUser(string scenario) =>
        $"chaos-{scenario}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>Starts one payment every 1/<paramref name="perSecond"/> s for <paramref name="duration"/>; returns once every one has been submitted or given up.</summary>
    public async Task<IReadOnlyList<ChaosPayment>> RunAsync(
        string userId, double perSecond, TimeSpan duration, TimeSpan pendingFor, Action<ChaosPayment>? started, CancellationToken cancellationToken)
    {
        var count = (int)Math.Round(perSecond * duration.TotalSeconds);
        var payments = new List<ChaosPayment>(count);
        var running = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var wait = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var payment = new ChaosPayment(i, TruthOf(i));
            payments.Add(payment);
            started?.Invoke(payment);
            running.Add(PayAsync(userId, payment, pendingFor, cancellationToken));
        }

        await Task.WhenAll(running);
        return payments;
    }

    private async Task PayAsync(string userId, ChaosPayment payment, TimeSpan pendingFor, CancellationToken cancellationToken)
    {
        var recipient = OnChain.NewAddress();
        var idempotencyKey = Guid.NewGuid().ToString("N");
        try
        {
            payment.Reference = await ClientRetry.RunAsync(
                token => api.InitiateAsync(userId, Amount, Token, recipient, token, idempotencyKey), _giveUpAfter, cancellationToken);
            var paidTo = payment.Truth == PaymentTruth.OtherRecipient ? OnChain.NewAddress() : recipient;
            var paid = payment.Truth == PaymentTruth.Underpaid ? UnderpaidBaseUnits : BaseUnits;
            var status = payment.Truth == PaymentTruth.FailedOnChain ? "failed" : "mined";
            await ClientRetry.RunAsync(
                token => simulator.RegisterAsync(
                    new SimulatedTransaction(payment.TransactionId, payment.Reference, paidTo, Token, paid, status, 0, 0, (int)pendingFor.TotalSeconds),
                    token),
                _giveUpAfter,
                cancellationToken);
            await ClientRetry.RunAsync(token => SubmitAsync(payment, token), _giveUpAfter, cancellationToken);
            payment.SubmittedAt = DateTimeOffset.UtcNow;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            payment.GaveUp = exception.Message.Length <= 200 ? exception.Message : exception.Message[..200];
        }
    }

    /// <summary>
    /// Submits the payment's transaction. A retry whose first attempt went through unanswered (the API killed under it) can
    /// find the intent already final, which the API answers 409 (docs/api.md): the client then reads the intent, and the
    /// submission counts as accepted when the intent holds its transaction.
    /// </summary>
    private async Task SubmitAsync(ChaosPayment payment, CancellationToken cancellationToken)
    {
        try
        {
            await api.SubmitAsync(payment.Reference!, payment.TransactionId, cancellationToken);
        }
        catch (HttpRequestException exception) when (exception.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            var stored = await api.GetAsync(payment.Reference!, cancellationToken);
            if (stored.TransactionId != payment.TransactionId)
            {
                throw;
            }
        }
    }

    public static string Describe(double perSecond) => perSecond.ToString("0.#", CultureInfo.InvariantCulture) + "/s";
}
