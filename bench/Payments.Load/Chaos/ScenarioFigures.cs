using Payments.Contracts;

namespace Payments.Load.Chaos;

/// <summary>
/// What one scenario did to the promise: every accepted intent reaches a final status (or NeedsReview with a reason), none
/// is lost, confirmed twice or confirmed wrongly. <see cref="Passed"/> holds when all of that is true.
/// </summary>
public sealed record ScenarioFigures(
    string Name,
    string Fault,
    int Started,
    int Accepted,
    int GaveUp,
    IReadOnlyDictionary<string, int> GaveUpReasons,
    int Confirmed,
    int Failed,
    IReadOnlyDictionary<string, int> NeedsReview,
    int Unsettled,
    int Lost,
    int ConfirmedTwice,
    int WronglyConfirmed,
    int PaidNotConfirmed,
    int FailedWrongly,
    long ErrorQueueMessages,
    IReadOnlyList<KeyValuePair<string, int>> Answers,
    TimeSpan LongestSettle,
    double PortalRequestsPerPayment,
    TimeSpan Duration)
{
    public int NeedsReviewTotal => NeedsReview.Values.Sum();

    /// <summary>Answers the clients got other than 2xx, and calls without one.</summary>
    public int ClientErrors => Clients.AnswerCounts.CountErrors(Answers);

    public const string NoReason = "(no reason)";

    public bool Passed => Breaches.Count == 0;

    /// <summary>What broke the promise, in words; empty when <see cref="Passed"/>.</summary>
    public IReadOnlyList<string> Breaches =>
    [
        .. Lost > 0 ? [$"{Lost} lost"] : Array.Empty<string>(),
        .. ConfirmedTwice > 0 ? [$"{ConfirmedTwice} confirmed twice"] : Array.Empty<string>(),
        .. WronglyConfirmed > 0 ? [$"{WronglyConfirmed} confirmed wrongly"] : Array.Empty<string>(),
        .. FailedWrongly > 0 ? [$"{FailedWrongly} paid in full but Failed"] : Array.Empty<string>(),
        .. NeedsReview.GetValueOrDefault(NoReason) > 0 ? [$"{NeedsReview[NoReason]} in NeedsReview without a reason"] : Array.Empty<string>(),
        .. Unsettled > 0 ? [$"{Unsettled} not settled"] : Array.Empty<string>(),
        .. GaveUp > 0 ? [$"{GaveUp} given up by their clients"] : Array.Empty<string>(),
        .. ErrorQueueMessages > 0 ? [$"{ErrorQueueMessages} messages added to _error queues"] : Array.Empty<string>(),
    ];

    /// <summary>
    /// The figures from the payments as their clients saw them and the saga rows of the run. Accepted: the API took the
    /// submission (202). Lost: accepted, but no row, or a row that never got the transaction (AwaitingTransaction, Expired).
    /// Unsettled: still Verifying. Failed wrongly: paid in full, yet Failed (NeedsReview of a paid payment is counted in
    /// <see cref="PaidNotConfirmed"/>, not a breach: it carries its reason to an operator).
    /// </summary>
    public static ScenarioFigures From(
        ChaosScenario scenario,
        IReadOnlyList<ChaosPayment> payments,
        IReadOnlyList<SettledRow> rows,
        int confirmedTwice,
        long errorQueueMessages,
        IReadOnlyList<KeyValuePair<string, int>> answers,
        IReadOnlyDictionary<string, long> portalRequestsByTransaction,
        TimeSpan duration)
    {
        var byReference = rows.ToDictionary(r => r.Reference, StringComparer.Ordinal);
        var accepted = payments.Where(p => p.SubmittedAt is not null).ToList();
        int confirmed = 0, failed = 0, unsettled = 0, lost = 0, wronglyConfirmed = 0, paidNotConfirmed = 0, failedWrongly = 0;
        var needsReview = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var longestSettle = TimeSpan.Zero;
        long portalRequests = 0;
        foreach (var payment in accepted)
        {
            portalRequests += portalRequestsByTransaction.GetValueOrDefault(payment.TransactionId);
            if (!byReference.TryGetValue(payment.Reference!, out var row)
                || row.State is PaymentStatuses.AwaitingTransaction or PaymentStatuses.Expired)
            {
                lost++;
                continue;
            }

            switch (row.State)
            {
                case PaymentStatuses.Verifying:
                    unsettled++;
                    continue;
                case PaymentStatuses.Confirmed:
                    confirmed++;
                    if (payment.Truth != PaymentTruth.Paid)
                    {
                        wronglyConfirmed++;
                    }

                    break;
                case PaymentStatuses.Failed:
                    failed++;
                    if (payment.Truth == PaymentTruth.Paid)
                    {
                        failedWrongly++;
                    }

                    break;
                case PaymentStatuses.NeedsReview:
                    var reason = string.IsNullOrWhiteSpace(row.ReviewReason) ? NoReason : row.ReviewReason;
                    needsReview[reason] = needsReview.GetValueOrDefault(reason) + 1;
                    break;
            }

            if (payment.Truth == PaymentTruth.Paid && row.State != PaymentStatuses.Confirmed)
            {
                paidNotConfirmed++;
            }

            var settle = row.UpdatedAt - payment.SubmittedAt!.Value;
            if (settle > longestSettle)
            {
                longestSettle = settle;
            }
        }

        return new ScenarioFigures(
            scenario.Name,
            scenario.Fault,
            payments.Count,
            accepted.Count,
            payments.Count(p => p.GaveUp is not null),
            payments.Where(p => p.GaveUp is not null).GroupBy(p => p.GaveUp!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            confirmed,
            failed,
            needsReview,
            unsettled,
            lost,
            confirmedTwice,
            wronglyConfirmed,
            paidNotConfirmed,
            failedWrongly,
            errorQueueMessages,
            answers,
            longestSettle,
            accepted.Count == 0 ? 0 : (double)portalRequests / accepted.Count,
            duration);
    }
}
