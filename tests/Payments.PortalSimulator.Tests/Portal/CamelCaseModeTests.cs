using System.Net;
using System.Net.Http.Headers;
using Payments.PortalSimulator.Tests.Testing;

namespace Payments.PortalSimulator.Tests.Portal;

public sealed class CamelCaseModeTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() =>
        _sim = await SimulatorHost.StartAsync("--Simulator:CamelCase=true", "--Simulator:ApiKey=another-key");

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Answers_with_the_portal_types_camel_case_fields_when_configured()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, tokenAmount: "2000000000000000000");
        _sim.Portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "another-key");

        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await PortalApiTests.ReadJsonAsync(response);
        body.GetProperty("transactionId").GetString().ShouldBe(id);
        body.GetProperty("transactionStatus").GetString().ShouldBe("mined");
        body.GetProperty("transactionHash").GetString()!.ShouldMatch("^0x[a-f0-9]{64}$");
        body.GetProperty("reference").GetString().ShouldBe("0123456789abcdef0123456789abcdef");
        body.GetProperty("recipientAddress").GetString().ShouldBe("0x1111111111111111111111111111111111111111");
        body.GetProperty("inputToken").GetString().ShouldBe("USDC");
        body.GetProperty("inputTokenAmount").GetString().ShouldBe("2000000000000000000");
        body.GetProperty("miniappId").GetString().ShouldBe(SimulatorHost.AppId);
        body.TryGetProperty("transaction_status", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Answers_not_found_then_the_given_token_hash_and_status_word_in_camel_case()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, finalStatus: "other:confirmed", token: "USDC.e", transactionHash: "not-a-hash", notFoundPolls: 1);
        _sim.Portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "another-key");

        using var notFound = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
        using var found = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        notFound.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await PortalApiTests.ReadJsonAsync(notFound)).GetProperty("code").GetString().ShouldBe("not_found");
        found.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await PortalApiTests.ReadJsonAsync(found);
        body.GetProperty("inputToken").GetString().ShouldBe("USDC.e");
        body.GetProperty("transactionHash").GetString().ShouldBe("not-a-hash");
        body.GetProperty("transactionStatus").GetString().ShouldBe("confirmed");
    }

    [Fact]
    public async Task Uses_the_configured_api_key_instead_of_the_default()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id);

        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
