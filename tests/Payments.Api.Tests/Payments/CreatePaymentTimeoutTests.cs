using System.Net.Http.Json;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Payments;

public sealed class CreatePaymentTimeoutTests(SilentSagaApiFactory factory) : IClassFixture<SilentSagaApiFactory>
{
    [Fact]
    public async Task Answers_503_with_retry_after_when_the_saga_does_not_answer_in_time()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId = "user-503", amount = "1.5", token = "USDC", recipient = "0x1111111111111111111111111111111111111111" });

        await response.ShouldBeProblemAsync(503);
        response.Headers.RetryAfter.ShouldNotBeNull();
        response.Headers.RetryAfter.Delta.ShouldBe(TimeSpan.FromSeconds(5));
        response.Headers.Location.ShouldBeNull();
        // The request did go out: the saga simply never answered it.
        (await factory.Harness.Published.Any<InitiatePayment>(m => m.Context.Message.UserId == "user-503")).ShouldBeTrue();
    }
}

public sealed class CreatePaymentFaultTests(FaultingSagaApiFactory factory) : IClassFixture<FaultingSagaApiFactory>
{
    [Fact]
    public async Task Answers_503_with_retry_after_when_the_saga_faults()
    {
        using var client = factory.CreateAuthorizedClient();

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId = "user-fault", amount = "1.5", token = "USDC", recipient = "0x1111111111111111111111111111111111111111" });

        var problem = await response.ShouldBeProblemAsync(503);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(5));
        // The fault's text stays in the logs: clients learn only that they should retry.
        problem.GetProperty("detail").GetString()!.ShouldNotContain("saga store");
    }
}
