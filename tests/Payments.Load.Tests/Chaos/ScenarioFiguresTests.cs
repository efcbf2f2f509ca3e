using Payments.Contracts;
using Payments.Load.Chaos;

namespace Payments.Load.Tests.Chaos;

public sealed class ScenarioFiguresTests
{
    private static readonly DateTimeOffset _submitted = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly ChaosScenario _scenario = new("consumer-kill", "kill -9", TimeSpan.FromSeconds(20), []);

    [Fact]
    public void The_mix_is_one_in_25_underpaid_failed_on_chain_and_paid_elsewhere()
    {
        var truths = Enumerable.Range(0, 100).Select(ChaosLoad.TruthOf).ToList();

        truths.Count(t => t == PaymentTruth.Paid).ShouldBe(88);
        truths.Count(t => t == PaymentTruth.Underpaid).ShouldBe(4);
        truths.Count(t => t == PaymentTruth.FailedOnChain).ShouldBe(4);
        truths.Count(t => t == PaymentTruth.OtherRecipient).ShouldBe(4);
    }

    [Fact]
    public void A_run_that_settles_every_payment_as_it_should_keeps_the_promise()
    {
        var (payments, rows) = Payments(
            (PaymentTruth.Paid, PaymentStatuses.Confirmed, null),
            (PaymentTruth.Underpaid, PaymentStatuses.NeedsReview, "underpaid"),
            (PaymentTruth.FailedOnChain, PaymentStatuses.Failed, null),
            (PaymentTruth.OtherRecipient, PaymentStatuses.Failed, null));

        var figures = From(payments, rows, portalRequests: 3);

        figures.Passed.ShouldBeTrue();
        figures.Breaches.ShouldBeEmpty();
        (figures.Accepted, figures.Confirmed, figures.Failed, figures.NeedsReviewTotal).ShouldBe((4, 1, 2, 1));
        figures.NeedsReview["underpaid"].ShouldBe(1);
        figures.LongestSettle.ShouldBe(TimeSpan.FromSeconds(4));
        figures.PortalRequestsPerPayment.ShouldBe(3);
    }

    [Fact]
    public void An_accepted_payment_without_a_row_or_without_its_transaction_is_lost()
    {
        var (payments, rows) = Payments(
            (PaymentTruth.Paid, PaymentStatuses.Confirmed, null),
            (PaymentTruth.Paid, PaymentStatuses.AwaitingTransaction, null),
            (PaymentTruth.Paid, PaymentStatuses.Expired, null),
            (PaymentTruth.Paid, PaymentStatuses.Confirmed, null));
        rows.RemoveAt(3);

        var figures = From(payments, rows);

        figures.Lost.ShouldBe(3);
        figures.Passed.ShouldBeFalse();
        figures.Breaches.ShouldBe(["3 lost"]);
    }

    [Fact]
    public void Confirming_what_was_not_paid_or_failing_what_was_is_a_breach_and_so_is_a_review_without_a_reason()
    {
        var (payments, rows) = Payments(
            (PaymentTruth.Underpaid, PaymentStatuses.Confirmed, null),
            (PaymentTruth.OtherRecipient, PaymentStatuses.Confirmed, null),
            (PaymentTruth.Paid, PaymentStatuses.Failed, null),
            (PaymentTruth.Paid, PaymentStatuses.NeedsReview, " "),
            (PaymentTruth.Paid, PaymentStatuses.Verifying, null));

        var figures = From(payments, rows);

        figures.WronglyConfirmed.ShouldBe(2);
        figures.FailedWrongly.ShouldBe(1);
        figures.PaidNotConfirmed.ShouldBe(2);
        figures.Unsettled.ShouldBe(1);
        figures.Breaches.ShouldBe(["2 confirmed wrongly", "1 paid in full but Failed", "1 in NeedsReview without a reason", "1 not settled"], ignoreOrder: true);
    }

    [Fact]
    public void Twice_confirmed_error_queue_messages_and_clients_that_gave_up_break_it_too()
    {
        var (payments, rows) = Payments((PaymentTruth.Paid, PaymentStatuses.Confirmed, null));
        var gaveUp = new ChaosPayment(1, PaymentTruth.Paid) { GaveUp = "503" };

        var figures = ScenarioFigures.From(_scenario, [.. payments, gaveUp], rows, confirmedTwice: 1, errorQueueMessages: 2, [], new Dictionary<string, long>(), TimeSpan.Zero);

        figures.Started.ShouldBe(2);
        figures.Accepted.ShouldBe(1);
        figures.Breaches.ShouldBe(["1 confirmed twice", "1 given up by their clients", "2 messages added to _error queues"], ignoreOrder: true);
    }

    [Fact]
    public void Picks_the_short_set_names_or_all_and_refuses_an_unknown_name()
    {
        var all = new[] { "portal-pending", "consumer-kill", "api-kill", "broker-restart" }
            .Select(n => new ChaosScenario(n, n, TimeSpan.FromSeconds(1), [])).ToList();

        ChaosRunner.Choose(all, "all").Count.ShouldBe(4);
        ChaosRunner.Choose(all, "short").Select(s => s.Name).ShouldBe(["consumer-kill", "api-kill", "broker-restart"]);
        ChaosRunner.Choose(all, "broker-restart, api-kill").Select(s => s.Name).ShouldBe(["api-kill", "broker-restart"]);
        Should.Throw<ArgumentException>(() => ChaosRunner.Choose(all, "node-loss")).Message.ShouldContain("node-loss");
    }

    private static ScenarioFigures From(IReadOnlyList<ChaosPayment> payments, IReadOnlyList<SettledRow> rows, long portalRequests = 1) =>
        ScenarioFigures.From(
            _scenario, payments, rows, confirmedTwice: 0, errorQueueMessages: 0, [new("202", payments.Count)],
            payments.ToDictionary(p => p.TransactionId, _ => portalRequests), TimeSpan.FromSeconds(30));

    /// <summary>One accepted payment per outcome, each settled a second later than the one before.</summary>
    private static (List<ChaosPayment> Payments, List<SettledRow> Rows) Payments(params (PaymentTruth Truth, string State, string? Reason)[] outcomes)
    {
        var payments = new List<ChaosPayment>();
        var rows = new List<SettledRow>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            var payment = new ChaosPayment(i, outcomes[i].Truth) { Reference = $"ref{i}", SubmittedAt = _submitted };
            payments.Add(payment);
            rows.Add(new SettledRow(Guid.NewGuid(), payment.Reference, outcomes[i].State, outcomes[i].Reason, payment.TransactionId, _submitted.AddSeconds(i + 1)));
        }

        return (payments, rows);
    }
}
