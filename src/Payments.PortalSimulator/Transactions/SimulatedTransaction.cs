using System.Security.Cryptography;
using System.Text;

namespace Payments.PortalSimulator.Transactions;

/// <summary>A registered transaction and how many times the portal has answered for it.</summary>
internal sealed class SimulatedTransaction
{
    private int _polls;

    // The polls after PendingFor, from which the phases count.
    private int _phasePolls;

    public SimulatedTransaction(
        string transactionId,
        string reference,
        string to,
        string token,
        string tokenAmount,
        string finalStatus,
        int pendingPolls,
        int hashMissingPolls,
        int notFoundPolls,
        string? transactionHash,
        DateTimeOffset createdAt,
        TimeSpan pendingFor = default)
    {
        TransactionId = transactionId;
        Reference = reference;
        To = to;
        Token = token;
        TokenAmount = tokenAmount;
        FinalStatus = finalStatus;
        PendingPolls = pendingPolls;
        HashMissingPolls = hashMissingPolls;
        NotFoundPolls = notFoundPolls;
        CreatedAt = createdAt;
        PendingFor = pendingFor;
        // A given hash is answered as is, malformed or not, to rehearse what a consumer does with one. Otherwise derived, not
        // random, so that repeated runs and both casings show the same values.
        TransactionHash = transactionHash ?? "0x" + Hex("hash:" + transactionId, 32);
        From = "0x" + Hex("from:" + transactionId, 20);
    }

    public string TransactionId { get; }
    public string Reference { get; }
    public string To { get; }
    public string Token { get; }
    public string TokenAmount { get; }
    public string FinalStatus { get; }
    public int PendingPolls { get; }
    public int HashMissingPolls { get; }
    public int NotFoundPolls { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>How long after <see cref="CreatedAt"/> every poll answers <c>pending</c>, before the poll phases begin.</summary>
    public TimeSpan PendingFor { get; }
    public string TransactionHash { get; }
    public string From { get; }

    public int Polls => Volatile.Read(ref _polls);

    /// <summary>Counts one answered poll and returns what the chain looks like at that poll, at <paramref name="now"/>, or
    /// null while the portal does not know the transaction yet (its first <see cref="NotFoundPolls"/> polls).</summary>
    public TransactionView? Observe(DateTimeOffset now)
    {
        Interlocked.Increment(ref _polls);
        if (now < CreatedAt + PendingFor)
        {
            // A transaction waiting on the chain: these polls do not count towards the phases below.
            return new TransactionView(TransactionStatuses.Pending, null);
        }

        // The not-found, pending and hash-missing phases count from the first poll after PendingFor.
        var poll = Interlocked.Increment(ref _phasePolls) - 1 - NotFoundPolls;
        if (poll < 0)
        {
            return null;
        }

        if (poll < PendingPolls)
        {
            return new TransactionView(TransactionStatuses.Pending, null);
        }

        return poll < PendingPolls + HashMissingPolls
            ? new TransactionView(FinalStatus, null)
            : new TransactionView(FinalStatus, TransactionHash);
    }

    private static string Hex(string seed, int bytes) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, bytes));
}

internal readonly record struct TransactionView(string Status, string? TransactionHash);

internal static class TransactionStatuses
{
    public const string Pending = "pending";
    public const string Mined = "mined";
    public const string Failed = "failed";

    /// <summary>Registers a final status word the consumer does not know: <c>other:settled</c> answers <c>settled</c>.</summary>
    public const string OtherPrefix = "other:";

    public static bool IsOther(string status) =>
        status.Length > OtherPrefix.Length && status.StartsWith(OtherPrefix, StringComparison.Ordinal);
}
