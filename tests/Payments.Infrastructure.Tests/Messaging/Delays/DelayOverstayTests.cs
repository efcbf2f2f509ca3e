using System.Text;
using Payments.Infrastructure.Messaging.Delays;
using RabbitMQ.Client;

namespace Payments.Infrastructure.Tests.Messaging.Delays;

public sealed class DelayOverstayTests
{
    // 13 s entering level 03 at 12:00:00.400: due out of level 00 at 12:00:13.400.
    private static readonly DateTimeOffset _entered = new(2026, 12, 1, 12, 0, 0, 400, TimeSpan.Zero);
    private static readonly DateTimeOffset _due = _entered.AddSeconds(13);

    [Fact]
    public void A_trip_on_time_overstays_nowhere_by_a_second_or_more()
    {
        var headers = Headers(_due, Death(3, _entered.AddSeconds(8.02)), Death(2, _entered.AddSeconds(12.05)), Death(0, _entered.AddSeconds(13.07)));

        var overstays = DelayOverstay.Measure(headers);

        overstays.Select(o => o.Level).ShouldBe([3, 2, 0]);
        overstays.ShouldAllBe(o => o.Overstay >= TimeSpan.Zero && o.Overstay < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_level_that_held_the_message_shows_its_overstay_and_the_levels_after_it_do_not()
    {
        var headers = Headers(_due, Death(3, _entered.AddSeconds(8)), Death(2, _entered.AddSeconds(112)), Death(0, _entered.AddSeconds(113)));

        var overstays = DelayOverstay.Measure(headers).ToDictionary(o => o.Level, o => o.Overstay);

        overstays[2].TotalSeconds.ShouldBe(100, tolerance: 1);
        overstays[3].ShouldBeLessThan(TimeSpan.FromSeconds(1));
        overstays[0].ShouldBeLessThan(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Deaths_in_other_queues_are_ignored()
    {
        var rejected = new Dictionary<string, object?>
        {
            ["queue"] = Encoding.UTF8.GetBytes("verify-payment"),
            ["reason"] = Encoding.UTF8.GetBytes("rejected"),
            ["count"] = 1L,
            ["time"] = new AmqpTimestamp(_entered.ToUnixTimeSeconds()),
        };
        var headers = Headers(_due, rejected, Death(3, _entered.AddSeconds(8)), Death(2, _entered.AddSeconds(12)), Death(0, _entered.AddSeconds(13)));

        DelayOverstay.Measure(headers).Select(o => o.Level).ShouldBe([3, 2, 0]);
    }

    [Fact]
    public void Headers_that_do_not_describe_one_trip_through_the_levels_measure_nothing()
    {
        DelayOverstay.Measure(null).ShouldBeEmpty();
        DelayOverstay.Measure(new Dictionary<string, object?>()).ShouldBeEmpty();
        DelayOverstay.Measure(Headers(due: null, Death(0, _due))).ShouldBeEmpty();
        DelayOverstay.Measure(Headers(_due)).ShouldBeEmpty();

        var twice = Death(0, _due);
        twice["count"] = 2L;
        DelayOverstay.Measure(Headers(_due, twice)).ShouldBeEmpty();
    }

    [Fact]
    public void The_due_header_round_trips()
    {
        var headers = Headers(_due, Death(0, _due));
        headers[DelayOverstay.DueHeader] = DelayOverstay.FormatDue(_due.ToOffset(TimeSpan.FromHours(2)));

        DelayOverstay.Measure(headers).ShouldHaveSingleItem().Overstay.ShouldBe(TimeSpan.Zero);
    }

    private static Dictionary<string, object?> Headers(DateTimeOffset? due, params Dictionary<string, object?>[] deaths)
    {
        var headers = new Dictionary<string, object?>();
        if (due is { } value)
        {
            headers[DelayOverstay.DueHeader] = Encoding.UTF8.GetBytes(DelayOverstay.FormatDue(value));
        }

        if (deaths.Length > 0)
        {
            // RabbitMQ lists the most recent death first.
            headers["x-death"] = deaths.Reverse().Cast<object>().ToList();
        }

        return headers;
    }

    /// <summary>As RabbitMQ records it: byte strings, whole seconds.</summary>
    private static Dictionary<string, object?> Death(int level, DateTimeOffset exit) => new()
    {
        ["queue"] = Encoding.UTF8.GetBytes(DelayRouting.LevelName(level)),
        ["reason"] = Encoding.UTF8.GetBytes("expired"),
        ["count"] = 1L,
        ["exchange"] = Encoding.UTF8.GetBytes(DelayRouting.LevelName(level)),
        ["time"] = new AmqpTimestamp(exit.ToUnixTimeSeconds()),
    };
}
