using System.Collections.Concurrent;

namespace Payments.PortalSimulator.Transactions;

internal sealed class TransactionStore
{
    private readonly ConcurrentDictionary<string, SimulatedTransaction> _transactions = new(StringComparer.Ordinal);

    // A re-registration replaces the old one and restarts its poll count: handy for demos that replay a scenario.
    public void Register(SimulatedTransaction transaction) => _transactions[transaction.TransactionId] = transaction;

    public SimulatedTransaction? Find(string transactionId) =>
        _transactions.TryGetValue(transactionId, out var transaction) ? transaction : null;

    public void Clear() => _transactions.Clear();
}
