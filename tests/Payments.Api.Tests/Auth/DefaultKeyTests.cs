using System.Net;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Auth;

public sealed class DefaultKeyTests(DefaultKeysApiFactory factory) : IClassFixture<DefaultKeysApiFactory>
{
    [Fact]
    public async Task Accepts_the_local_default_key_when_no_key_is_configured()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{payment.Reference}");
        request.Headers.Add("X-Api-Key", "dev-api-key");

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Still_refuses_a_wrong_key_when_no_key_is_configured()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{Guid.NewGuid():N}");
        request.Headers.Add("X-Api-Key", "anything-else");

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(401);
    }
}
