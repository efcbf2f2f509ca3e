using System.Collections.Concurrent;
using System.Security.Cryptography;
using Payments.Load.Clients;

namespace Payments.Load.Load;

public sealed record SubmittedPayment(string Reference, string TransactionId, DateTimeOffset SubmittedAt);

/// <summary>Creates payments the way a mini-app backend does: initiate, the user pays (registered in the simulator), submit.</summary>
public sealed class PaymentDriver(PaymentsApiClient api, SimulatorClient simulator)
{
    public const string Token = "USDC";
    public const string Amount = "1.25";
    public const string BaseUnits = "1250000";

    /// <summary>How long a payment's calls are retried (<see cref="ClientRetry"/>) before the run gives up on it.</summary>
    private static readonly TimeSpan _giveUpAfter = TimeSpan.FromMinutes(2);

    public ConcurrentDictionary<string, SubmittedPayment> Submitted { get; } = new(StringComparer.Ordinal);

    public async Task<SubmittedPayment> CreateAndSubmitAsync(string userId, CancellationToken cancellationToken)
    {
        var recipient = OnChain.NewAddress();
        var transactionId = OnChain.NewTransactionId();
        var idempotencyKey = Guid.NewGuid().ToString("N");
        var reference = await ClientRetry.RunAsync(
            token => api.InitiateAsync(userId, Amount, Token, recipient, token, idempotencyKey), _giveUpAfter, cancellationToken);
        await simulator.RegisterAsync(new SimulatedTransaction(transactionId, reference, recipient, Token, BaseUnits, "mined", 0, 0), cancellationToken);
        var submitted = new SubmittedPayment(reference, transactionId, DateTimeOffset.UtcNow);
        await ClientRetry.RunAsync(token => api.SubmitAsync(reference, transactionId, token), _giveUpAfter, cancellationToken);
        Submitted[reference] = submitted;
        return submitted;
    }

    /// <summary>Runs <paramref name="count"/> payments with <paramref name="concurrency"/> in flight, as fast as the system takes them.</summary>
    public Task RunSaturatingAsync(string userId, int count, int concurrency, CancellationToken cancellationToken) =>
        Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (_, token) => await CreateAndSubmitAsync(userId, token));

    /// <summary>Starts one payment every 1/<paramref name="perSecond"/> seconds, whatever the system does.</summary>
    public async Task RunPacedAsync(string userId, int count, double perSecond, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var running = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = started + TimeSpan.FromSeconds(i / perSecond);
            var wait = due - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            running.Add(CreateAndSubmitAsync(userId, cancellationToken));
        }

        await Task.WhenAll(running);
    }

    public static string NewRunUser(string scenario) =>
        $"bench-{scenario}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
