using System.Net;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.RateLimiting;

/// <summary>One bucket of <see cref="ThrottledApiFactory.Burst"/> requests per client, refilled at one per second.</summary>
public sealed class RateLimitTests(ThrottledApiFactory factory) : IClassFixture<ThrottledApiFactory>
{
    [Fact]
    public async Task A_client_beyond_its_burst_gets_429_problem_json_with_retry_after_and_other_clients_do_not()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient(ApiFactory.SecondApiKey);
        using var other = factory.CreateAuthorizedClient(ApiFactory.OtherClientKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < ThrottledApiFactory.Burst + 2 && refused is null; i++)
        {
            var response = await client.GetAsync($"/api/payments/{payment.Reference}");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        // The bucket may have gained a token during the loop (one per second), never more than one.
        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeInRange(ThrottledApiFactory.Burst, ThrottledApiFactory.Burst + 1);
        refused.ShouldNotBeNull();
        using (refused)
        {
            await refused.ShouldBeProblemAsync(429);
            var retryAfter = refused.Headers.RetryAfter?.Delta;
            retryAfter.ShouldNotBeNull();
            retryAfter.Value.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        }

        // "other" is another client, so another bucket. (The two "default" keys share one: the limit is per client.)
        using var otherResponse = await other.GetAsync($"/api/payments/{Guid.NewGuid():N}");
        otherResponse.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Health_routes_are_not_limited()
    {
        using var client = factory.CreateClient();

        for (var i = 0; i < ThrottledApiFactory.Burst * 3; i++)
        {
            using var response = await client.GetAsync("/api/health/circuit-breaker");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }
}
