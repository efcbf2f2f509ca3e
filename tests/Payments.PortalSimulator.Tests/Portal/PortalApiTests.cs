using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Payments.PortalSimulator.Tests.Testing;

namespace Payments.PortalSimulator.Tests.Portal;

public sealed class PortalApiTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Answers_a_registered_mined_transaction_with_the_documented_snake_case_fields()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id);

        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await ReadJsonAsync(response);
        body.GetProperty("transaction_id").GetString().ShouldBe(id);
        body.GetProperty("transaction_status").GetString().ShouldBe("mined");
        body.GetProperty("transaction_hash").GetString()!.ShouldMatch("^0x[a-f0-9]{64}$");
        body.GetProperty("reference").GetString().ShouldBe("0123456789abcdef0123456789abcdef");
        body.GetProperty("to").GetString().ShouldBe("0x1111111111111111111111111111111111111111");
        body.GetProperty("token").GetString().ShouldBe("USDC");
        body.GetProperty("token_amount").GetString().ShouldBe("1500000");
        body.GetProperty("from").GetString()!.ShouldMatch("^0x[a-f0-9]{40}$");
        body.GetProperty("chain").GetString().ShouldBe("worldchain");
        body.GetProperty("app_id").GetString().ShouldBe(SimulatorHost.AppId);
        DateTimeOffset.Parse(body.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThan(DateTimeOffset.MinValue);
    }

    [Theory]
    [InlineData("0x1234")]
    [InlineData("0xABCDEF0000000000000000000000000000000000000000000000000000000000")]
    [InlineData("1234567890123456789012345678901234567890123456789012345678901234ab")]
    [InlineData("0x00000000000000000000000000000000000000000000000000000000000000zz")]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000000%0A")]
    public async Task Rejects_a_malformed_transaction_id_with_400(string transactionId)
    {
        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(transactionId));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReadJsonAsync(response)).GetProperty("attribute").GetString().ShouldBe("transaction_id");
    }

    [Fact]
    public async Task Rejects_an_unknown_query_parameter_with_400()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id);

        using var response = await _sim.Portal.GetAsync(
            SimulatorHost.TransactionPath(id, $"app_id={SimulatorHost.AppId}&type=payment&verbose=true"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReadJsonAsync(response)).GetProperty("attribute").GetString().ShouldBe("verbose");
    }

    [Fact]
    public async Task Rejects_a_missing_app_id_with_400()
    {
        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(SimulatorHost.NewTransactionId(), "type=payment"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Answers_404_not_found_for_an_unknown_transaction()
    {
        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(SimulatorHost.NewTransactionId()));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ReadJsonAsync(response)).GetProperty("code").GetString().ShouldBe("not_found");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Basic sim-portal-key")]
    public async Task Answers_401_without_the_configured_bearer_key(string? authorization)
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id);
        using var request = new HttpRequestMessage(HttpMethod.Get, SimulatorHost.TransactionPath(id));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _sim.Control.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Stays_pending_then_mined_without_hash_then_mined_with_hash_for_the_registered_polls()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, pendingPolls: 2, hashMissingPolls: 1);

        var seen = new List<(string Status, string? Hash)>();
        for (var poll = 0; poll < 5; poll++)
        {
            using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
            var body = await ReadJsonAsync(response);
            seen.Add((body.GetProperty("transaction_status").GetString()!, body.GetProperty("transaction_hash").GetString()));
        }

        seen.Select(s => s.Status).ShouldBe(["pending", "pending", "mined", "mined", "mined"]);
        seen.Take(3).ShouldAllBe(s => s.Hash == null);
        seen.Skip(3).ShouldAllBe(s => s.Hash != null);
        seen[3].Hash.ShouldBe(seen[4].Hash);
    }

    [Theory]
    [InlineData("0x123")]
    [InlineData("not-a-hash")]
    [InlineData("0xABCDEF0000000000000000000000000000000000000000000000000000000000")]
    [InlineData("")]
    public async Task Answers_a_registered_hash_exactly_as_given_once_the_pending_and_hash_missing_polls_are_over(string hash)
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, pendingPolls: 1, hashMissingPolls: 1, transactionHash: hash);

        var seen = new List<(string Status, string? Hash)>();
        for (var poll = 0; poll < 4; poll++)
        {
            using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
            var body = await ReadJsonAsync(response);
            seen.Add((body.GetProperty("transaction_status").GetString()!, body.GetProperty("transaction_hash").GetString()));
        }

        seen.ShouldBe([("pending", null), ("mined", null), ("mined", hash), ("mined", hash)]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Generates_a_valid_hash_when_none_is_given(bool sendExplicitNull)
    {
        var id = SimulatorHost.NewTransactionId();
        var registration = SimulatorHost.Registration(id);
        if (sendExplicitNull)
        {
            registration["transactionHash"] = null;
        }

        using var registered = await _sim.PostRegistrationAsync(registration);
        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        registered.StatusCode.ShouldBe(HttpStatusCode.Created);
        var hash = (await ReadJsonAsync(response)).GetProperty("transaction_hash").GetString();
        hash!.ShouldMatch("^0x[a-f0-9]{64}$");
        (await ReadJsonAsync(registered)).GetProperty("transactionHash").GetString().ShouldBe(hash);
    }

    [Fact]
    public async Task Answers_not_found_like_an_unknown_transaction_for_the_not_found_polls_then_counts_the_other_phases_from_there()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, notFoundPolls: 2, pendingPolls: 1, hashMissingPolls: 1);
        using var unknown = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(SimulatorHost.NewTransactionId()));
        var unknownBody = await unknown.Content.ReadAsStringAsync();

        var found = new List<JsonElement>();
        for (var poll = 0; poll < 5; poll++)
        {
            using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
            if (poll < 2)
            {
                response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
                response.Content.Headers.ContentType.ShouldBe(unknown.Content.Headers.ContentType);
                (await response.Content.ReadAsStringAsync()).ShouldBe(unknownBody);
            }
            else
            {
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                found.Add(await ReadJsonAsync(response));
            }
        }

        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        found.Select(b => b.GetProperty("transaction_status").GetString()).ShouldBe(["pending", "mined", "mined"]);
        found.Select(b => b.GetProperty("transaction_hash").GetString() is not null).ShouldBe([false, false, true]);
    }

    [Fact]
    public async Task Answers_failed_with_a_hash_for_a_transaction_that_failed_on_chain()
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, finalStatus: "failed");

        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        var body = await ReadJsonAsync(response);
        body.GetProperty("transaction_status").GetString().ShouldBe("failed");
        body.GetProperty("transaction_hash").GetString().ShouldNotBeNull();
    }

    [Theory]
    [InlineData("USDCE")]
    [InlineData("USDC.e")]
    [InlineData("usdc")]
    [InlineData("DOGE")]
    [InlineData(" WLD ")]
    [InlineData(" ")]
    public async Task Answers_the_token_exactly_as_registered(string token)
    {
        var id = SimulatorHost.NewTransactionId();
        await _sim.RegisterAsync(id, token: token);

        using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ReadJsonAsync(response)).GetProperty("token").GetString().ShouldBe(token);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public async Task Rejects_a_registration_without_a_token_with_400(string? token)
    {
        var registration = SimulatorHost.Registration(SimulatorHost.NewTransactionId());
        registration["token"] = token;

        using var response = await _sim.PostRegistrationAsync(registration);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReadJsonAsync(response)).GetProperty("errors").TryGetProperty("token", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("other:confirmed", "confirmed")]
    [InlineData("other:MINED", "MINED")]
    [InlineData("other:Failed", "Failed")]
    [InlineData("other:other:x", "other:x")]
    public async Task Answers_an_unknown_status_word_registered_as_other_word_after_the_pending_polls(string finalStatus, string word)
    {
        var id = SimulatorHost.NewTransactionId();
        var registration = SimulatorHost.Registration(id);
        registration["finalStatus"] = finalStatus;
        registration["pendingPolls"] = 1;
        registration["hashMissingPolls"] = 1;
        using var registered = await _sim.PostRegistrationAsync(registration);

        var seen = new List<(string Status, bool HasHash)>();
        for (var poll = 0; poll < 3; poll++)
        {
            using var response = await _sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
            var body = await ReadJsonAsync(response);
            seen.Add((body.GetProperty("transaction_status").GetString()!, body.GetProperty("transaction_hash").GetString() is not null));
        }

        (await ReadJsonAsync(registered)).GetProperty("finalStatus").GetString().ShouldBe(word);
        seen.ShouldBe([("pending", false), (word, false), (word, true)]);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("Mined")]
    [InlineData("pending")]
    [InlineData("other:")]
    [InlineData("Other:confirmed")]
    public async Task Rejects_a_final_status_other_than_mined_failed_or_other_word_with_400(string finalStatus)
    {
        var registration = SimulatorHost.Registration(SimulatorHost.NewTransactionId());
        registration["finalStatus"] = finalStatus;

        using var response = await _sim.PostRegistrationAsync(registration);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await ReadJsonAsync(response)).GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).ShouldBe(["finalStatus"]);
    }

    [Fact]
    public async Task Rejects_an_invalid_registration_with_400()
    {
        using var response = await _sim.Control.PostAsync(
            "/_sim/transactions",
            new StringContent("""{"transactionId":"0x12","tokenAmount":"1.5","finalStatus":"maybe"}""", MediaTypeHeaderValue.Parse("application/json")));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await ReadJsonAsync(response)).GetProperty("errors");
        errors.TryGetProperty("transactionId", out _).ShouldBeTrue();
        errors.TryGetProperty("tokenAmount", out _).ShouldBeTrue();
        errors.TryGetProperty("finalStatus", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("transactionId", "\n")]
    [InlineData("tokenAmount", "\n")]
    [InlineData("tokenAmount", " ")]
    public async Task Rejects_a_registration_with_trailing_characters_after_an_id_or_amount_with_400(string field, string suffix)
    {
        var registration = SimulatorHost.Registration(SimulatorHost.NewTransactionId());
        registration[field] += suffix;

        using var response = await _sim.PostRegistrationAsync(registration);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReadJsonAsync(response)).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("pendingPolls", -1)]
    [InlineData("pendingPolls", 1_000_001)]
    [InlineData("hashMissingPolls", -1)]
    [InlineData("hashMissingPolls", int.MaxValue)]
    [InlineData("notFoundPolls", -1)]
    [InlineData("notFoundPolls", 1_000_001)]
    public async Task Rejects_a_poll_count_below_0_or_above_a_million_with_400(string field, int polls)
    {
        var registration = SimulatorHost.Registration(SimulatorHost.NewTransactionId());
        registration[field] = polls;

        using var response = await _sim.PostRegistrationAsync(registration);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await ReadJsonAsync(response)).GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).ShouldBe([field]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(86_401)]
    public async Task Rejects_a_pending_time_below_0_or_above_a_day_with_400(int seconds)
    {
        var registration = SimulatorHost.Registration(SimulatorHost.NewTransactionId());
        registration["pendingForSeconds"] = seconds;

        using var response = await _sim.PostRegistrationAsync(registration);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await ReadJsonAsync(response)).GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).ShouldBe(["pendingForSeconds"]);
    }

    [Fact]
    public async Task Answers_pending_for_the_registered_time_however_often_polled_then_counts_the_phases_from_there()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        await using var sim = await SimulatorHost.StartAsync(clock);
        var id = SimulatorHost.NewTransactionId();
        var registration = SimulatorHost.Registration(id);
        registration["pendingForSeconds"] = 120;
        registration["pendingPolls"] = 1;
        using (var registered = await sim.PostRegistrationAsync(registration))
        {
            registered.StatusCode.ShouldBe(HttpStatusCode.Created);
            (await ReadJsonAsync(registered)).GetProperty("pendingForSeconds").GetInt32().ShouldBe(120);
        }

        var seen = new List<string>();
        async Task PollAsync()
        {
            using var response = await sim.Portal.GetAsync(SimulatorHost.TransactionPath(id));
            seen.Add((await ReadJsonAsync(response)).GetProperty("transaction_status").GetString()!);
        }

        for (var poll = 0; poll < 5; poll++)
        {
            await PollAsync();
        }

        clock.Advance(TimeSpan.FromSeconds(119));
        await PollAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        await PollAsync();
        await PollAsync();

        // Six polls within the two minutes, then the one pending poll registered, then mined.
        seen.ShouldBe(["pending", "pending", "pending", "pending", "pending", "pending", "pending", "mined"]);
    }

    [Fact]
    public async Task Accepts_a_million_polls_in_every_phase()
    {
        var registration = SimulatorHost.Registration(SimulatorHost.NewTransactionId());
        registration["pendingPolls"] = 1_000_000;
        registration["hashMissingPolls"] = 1_000_000;
        registration["notFoundPolls"] = 1_000_000;

        using var response = await _sim.PostRegistrationAsync(registration);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Answers_live_health_without_a_key()
    {
        using var response = await _sim.Control.GetAsync("/health/live");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Listens_on_the_documented_loopback_port_when_no_url_is_given()
    {
        await using var app = PortalSimulatorApp.Build([]);

        app.Configuration["urls"].ShouldBe("http://127.0.0.1:5082");
    }

    internal static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}
