using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit.Testing;
using Payments.Api.Tests.Testing;
using Payments.Contracts;

namespace Payments.Api.Tests.Auth;

public sealed class ClientScopingTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Another_clients_intent_answers_404_on_read_exactly_as_an_unknown_one()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction, clientId: ApiFactory.OtherClient);
        using var client = factory.CreateAuthorizedClient();

        using var foreign = await client.GetAsync($"/api/payments/{payment.Reference}");
        using var unknown = await client.GetAsync($"/api/payments/{Guid.NewGuid():N}");

        var foreignProblem = await foreign.ShouldBeProblemAsync(404);
        var unknownProblem = await unknown.ShouldBeProblemAsync(404);
        foreignProblem.GetProperty("title").GetString().ShouldBe(unknownProblem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Another_clients_intent_answers_404_on_submission_and_nothing_is_published()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction, clientId: ApiFactory.OtherClient);
        using var client = factory.CreateAuthorizedClient();
        var transactionId = "0x" + new string('c', 64);

        using var response = await client.PostAsJsonAsync($"/api/payments/{payment.Reference}/transaction", new { transactionId });

        await response.ShouldBeProblemAsync(404);
        factory.Harness.Published.Select<PaymentTransactionSubmitted>().Any(m => m.Context.Message.PaymentId == payment.CorrelationId).ShouldBeFalse();
    }

    [Fact]
    public async Task The_owner_reads_and_submits()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction, clientId: ApiFactory.OtherClient);
        using var owner = factory.CreateAuthorizedClient(ApiFactory.OtherClientKey);

        using var read = await owner.GetAsync($"/api/payments/{payment.Reference}");
        using var submitted = await owner.PostAsJsonAsync($"/api/payments/{payment.Reference}/transaction", new { transactionId = "0x" + new string('d', 64) });

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        submitted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Theory]
    [InlineData(ApiFactory.ApiKey, "default")]
    [InlineData(ApiFactory.SecondApiKey, "default")]
    [InlineData(ApiFactory.OtherClientKey, ApiFactory.OtherClient)]
    public async Task An_initiation_names_the_client_of_the_key(string key, string expectedClient)
    {
        using var client = factory.CreateAuthorizedClient(key);
        var userId = $"user-{Guid.NewGuid():N}";

        using var response = await client.PostAsJsonAsync("/api/payments",
            new { userId, amount = "1", token = "WLD", recipient = "0x1111111111111111111111111111111111111111" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var sent = factory.Harness.Published.Select<InitiatePayment>().Single(m => m.Context.Message.UserId == userId);
        sent.Context.Message.ClientId.ShouldBe(expectedClient);
    }

    [Fact]
    public void An_initiation_from_a_sender_that_names_no_client_belongs_to_the_default_client()
    {
        var message = JsonSerializer.Deserialize<InitiatePayment>(
            """{"paymentId":"0195f0a0-0000-7000-8000-000000000000","userId":"u","token":"WLD","amount":"1","recipient":"0x1111111111111111111111111111111111111111"}""",
            JsonSerializerOptions.Web)!;

        message.ClientId.ShouldBe(InitiatePayment.DefaultClient);
    }
}
