using System.Net.Http.Json;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// A publish whose confirmation never comes (its connection went away under it) ends at <c>RabbitMq:PublishTimeout</c>: the
/// request answers 503 with Retry-After instead of hanging.
/// </summary>
public sealed class UnconfirmedPublishTests(UnconfirmedSubmissionsApiFactory factory) : IClassFixture<UnconfirmedSubmissionsApiFactory>
{
    /// <summary>Long enough for a deadline of 300 ms on a busy machine, short of anything a client would wait for.</summary>
    private static readonly TimeSpan _answerWithin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_submission_the_broker_never_confirms_answers_503_with_retry_after_and_says_a_repeat_is_safe()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        using var response = await client
            .PostAsJsonAsync($"/api/payments/{payment.Reference}/transaction", new { transactionId = "0x" + new string('c', 64) })
            .WaitAsync(_answerWithin);

        var problem = await response.ShouldBeProblemAsync(503);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
        problem.GetProperty("detail").GetString()!.ShouldContain("Submitting the same transaction again is safe");
        factory.Unconfirmed.Held.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task An_operator_action_the_broker_never_confirms_answers_503_with_retry_after()
    {
        using var client = factory.CreateAdminClient();

        using var response = await client.PostAsync("/api/admin/circuit-breakers/DeveloperPortal/reset", content: null).WaitAsync(_answerWithin);

        var problem = await response.ShouldBeProblemAsync(503);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
        problem.GetProperty("title").GetString()!.ShouldContain("did not confirm");
    }
}
