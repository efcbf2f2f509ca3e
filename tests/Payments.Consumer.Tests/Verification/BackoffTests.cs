using Payments.Consumer.Verification;

namespace Payments.Consumer.Tests.Verification;

public class BackoffTests
{
    [Fact]
    public void Pending_backoff_doubles_from_five_seconds_to_a_sixty_second_cap()
    {
        var options = new VerificationOptions();

        var delays = Enumerable.Range(0, 8)
            .Select(check => Backoff.Doubling(check, options.PendingMinInterval, options.PendingMaxInterval).TotalSeconds);

        delays.ShouldBe([5, 10, 20, 40, 60, 60, 60, 60]);
    }

    [Fact]
    public void Default_redelivery_schedule_is_ten_delays_doubling_from_five_seconds_to_five_minutes()
    {
        var intervals = VerifyPaymentConsumerDefinition.RedeliveryIntervals(new VerificationOptions());

        intervals.Select(interval => interval.TotalSeconds).ShouldBe([5, 10, 20, 40, 80, 160, 300, 300, 300, 300]);
    }

    [Fact]
    public void Doubling_stays_at_the_cap_for_attempts_far_beyond_it()
    {
        Backoff.Doubling(1_000, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60)).ShouldBe(TimeSpan.FromSeconds(60));
        Backoff.Doubling(62, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5)).ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void Deferral_jitter_adds_at_most_the_configured_share_of_retry_after()
    {
        var retryAfter = TimeSpan.FromSeconds(30);

        new DeferralJitter(() => 0.0).Apply(retryAfter, 0.2).ShouldBe(TimeSpan.FromSeconds(30));
        new DeferralJitter(() => 0.5).Apply(retryAfter, 0.2).ShouldBe(TimeSpan.FromSeconds(33));
        new DeferralJitter(() => 1.0).Apply(retryAfter, 0.2).ShouldBe(TimeSpan.FromSeconds(36));
    }

    [Fact]
    public void Deferral_jitter_is_capped_when_a_cap_is_given()
    {
        var retryAfter = TimeSpan.FromSeconds(30);

        new DeferralJitter(() => 1.0).Apply(retryAfter, 0.2, TimeSpan.FromSeconds(2)).ShouldBe(TimeSpan.FromSeconds(32));
        new DeferralJitter(() => 0.5).Apply(retryAfter, 0.2, TimeSpan.FromSeconds(2)).ShouldBe(TimeSpan.FromSeconds(31));
        // Below the cap the ratio decides.
        new DeferralJitter(() => 1.0).Apply(TimeSpan.FromSeconds(5), 0.2, TimeSpan.FromSeconds(2)).ShouldBe(TimeSpan.FromSeconds(6));
    }

    [Fact]
    public void Shared_deferral_jitter_stays_within_its_bounds()
    {
        var retryAfter = TimeSpan.FromSeconds(10);

        for (var i = 0; i < 1_000; i++)
        {
            var delay = DeferralJitter.Shared.Apply(retryAfter, 0.2);
            delay.ShouldBeInRange(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12));
        }
    }
}
