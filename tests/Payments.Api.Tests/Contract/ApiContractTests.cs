using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Payments.Api.Tests.Testing;
using Payments.Contracts;
using Payments.Testing.Contract;

namespace Payments.Api.Tests.Contract;

/// <summary>
/// The answers the end-to-end tests cannot provoke on the real stack (401, 413, 415, 422, 429, 503, replays, the admin and
/// health routes), each checked against the OpenAPI document as it arrives.
/// </summary>
public sealed class ApiContractTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Recipient = "0x1111111111111111111111111111111111111111";

    [Fact]
    public async Task Creation_replay_and_a_reused_key_match_the_document()
    {
        var (client, recorder) = Client(factory, ApiFactory.ApiKey);
        using (client)
        {
            var key = Guid.NewGuid().ToString("N");
            using var first = await client.SendAsync(Create(key, "1.5"));
            using var replay = await client.SendAsync(Create(key, "1.5"));
            using var reused = await client.SendAsync(Create(key, "2"));
            using var badKey = await client.SendAsync(Create(new string('k', 256), "1.5"));

            first.StatusCode.ShouldBe(HttpStatusCode.Created);
            replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
            reused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            badKey.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            recorder.ShouldHaveCheckedWithoutViolation(4);
        }
    }

    [Fact]
    public async Task Refusals_of_the_payment_routes_match_the_document()
    {
        var payment = factory.Reader.Add(PaymentStatuses.Confirmed, transactionId: "0x" + new string('1', 64));
        var (client, recorder) = Client(factory, ApiFactory.ApiKey);
        var (anonymous, anonymousRecorder) = Client(factory, key: null);
        using (client)
        using (anonymous)
        {
            using var unauthorized = await anonymous.GetAsync($"/api/payments/{payment.Reference}");
            using var malformed = await client.GetAsync("/api/payments/not-a-reference");
            using var unknown = await client.GetAsync($"/api/payments/{Guid.NewGuid():N}");
            using var found = await client.GetAsync($"/api/payments/{payment.Reference}");
            using var conflict = await client.PostAsJsonAsync($"/api/payments/{payment.Reference}/transaction", new { transactionId = "0x" + new string('2', 64) });
            using var tooLarge = await client.PostAsync("/api/payments", new StringContent(new string(' ', 20_000) + "{}", Encoding.UTF8, "application/json"));
            using var notJson = await client.PostAsync("/api/payments", new StringContent("userId=u", Encoding.UTF8, "text/plain"));

            unauthorized.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            found.StatusCode.ShouldBe(HttpStatusCode.OK);
            conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            tooLarge.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
            notJson.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
            recorder.ShouldHaveCheckedWithoutViolation(6);
            anonymousRecorder.ShouldHaveCheckedWithoutViolation(1);
        }
    }

    [Fact]
    public async Task Admin_and_health_routes_match_the_document()
    {
        var (admin, recorder) = Client(factory, key: null);
        admin.DefaultRequestHeaders.Add("X-Admin-Key", "dev-admin-key");
        var (anonymous, anonymousRecorder) = Client(factory, key: null);
        using (admin)
        using (anonymous)
        {
            using var reset = await admin.PostAsync("/api/admin/circuit-breakers/DeveloperPortal/reset", null);
            using var isolate = await admin.PostAsync("/api/admin/circuit-breakers/DeveloperPortal/isolate", null);
            using var badName = await admin.PostAsync("/api/admin/circuit-breakers/bad%20name/reset", null);
            using var unauthorized = await anonymous.PostAsync("/api/admin/circuit-breakers/DeveloperPortal/reset", null);
            using var breakers = await anonymous.GetAsync("/api/health/circuit-breaker");
            using var live = await anonymous.GetAsync("/health/live");

            reset.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action").GetString().ShouldBe("reset");
            isolate.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            badName.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            unauthorized.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            breakers.StatusCode.ShouldBe(HttpStatusCode.OK);
            live.StatusCode.ShouldBe(HttpStatusCode.OK);
            recorder.ShouldHaveCheckedWithoutViolation(3);
            anonymousRecorder.ShouldHaveCheckedWithoutViolation(3);
        }
    }

    [Fact]
    public async Task Review_routes_match_the_document()
    {
        var review = factory.Reader.Add(PaymentStatuses.NeedsReview, transactionId: "0x" + new string('5', 64));
        review.ReviewReason = ReviewReasons.Overpaid;
        var settled = factory.Reader.Add(PaymentStatuses.Confirmed, transactionId: "0x" + new string('6', 64));
        var (admin, recorder) = Client(factory, key: null);
        admin.DefaultRequestHeaders.Add("X-Admin-Key", "dev-admin-key");
        var (anonymous, anonymousRecorder) = Client(factory, key: null);
        using (admin)
        using (anonymous)
        {
            using var page = await admin.GetAsync("/api/admin/payments?limit=1");
            using var badLimit = await admin.GetAsync("/api/admin/payments?limit=0");
            using var resolved = await admin.PostAsJsonAsync($"/api/admin/payments/{review.Reference}/resolve", new { resolution = "refunded", note = "refunded" });
            using var conflict = await admin.PostAsJsonAsync($"/api/admin/payments/{settled.Reference}/resolve", new { resolution = "fail", note = "too late" });
            using var unknown = await admin.PostAsJsonAsync($"/api/admin/payments/{Guid.NewGuid():N}/resolve", new { resolution = "fail", note = "who" });
            using var badBody = await admin.PostAsJsonAsync($"/api/admin/payments/{review.Reference}/resolve", new { resolution = "maybe" });
            using var tooLarge = await admin.PostAsync($"/api/admin/payments/{review.Reference}/resolve", new StringContent(new string(' ', 20_000) + "{}", Encoding.UTF8, "application/json"));
            using var notJson = await admin.PostAsync($"/api/admin/payments/{review.Reference}/resolve", new StringContent("resolution=fail", Encoding.UTF8, "text/plain"));
            using var unauthorized = await anonymous.GetAsync("/api/admin/payments");

            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            badLimit.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            resolved.StatusCode.ShouldBe(HttpStatusCode.OK);
            conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            badBody.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            tooLarge.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
            notJson.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
            unauthorized.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            recorder.ShouldHaveCheckedWithoutViolation(8);
            anonymousRecorder.ShouldHaveCheckedWithoutViolation(1);
        }
    }

    [Fact]
    public async Task A_resolution_the_saga_does_not_answer_matches_the_document()
    {
        using var silent = new SilentSagaApiFactory();
        var review = silent.Reader.Add(PaymentStatuses.NeedsReview, transactionId: "0x" + new string('5', 64));
        var (admin, recorder) = Client(silent, key: null);
        admin.DefaultRequestHeaders.Add("X-Admin-Key", "dev-admin-key");
        using (admin)
        {
            using var unavailable = await admin.PostAsJsonAsync($"/api/admin/payments/{review.Reference}/resolve", new { resolution = "fail", note = "no answer" });

            unavailable.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            recorder.ShouldHaveCheckedWithoutViolation(1);
        }
    }

    internal static (HttpClient Client, ContractRecorder Recorder) Client(ApiFactory factory, string? key)
    {
        var recorder = new ContractRecorder(cancellationToken => OpenApiContract.FromServicesAsync(factory.Services, cancellationToken));
        var client = factory.CreateDefaultClient(recorder);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return (client, recorder);
    }

    internal static HttpRequestMessage Create(string? idempotencyKey, string amount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments")
        {
            Content = JsonContent.Create(new { userId = "user-contract", amount, token = "USDC", recipient = Recipient }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }
}

public sealed class ThrottledContractTests(ThrottledApiFactory factory) : IClassFixture<ThrottledApiFactory>
{
    [Fact]
    public async Task A_throttled_answer_matches_the_document()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction, clientId: ApiFactory.OtherClient);
        var (client, recorder) = ApiContractTests.Client(factory, ApiFactory.OtherClientKey);
        using (client)
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i <= ThrottledApiFactory.Burst + 1 && !statuses.Contains(HttpStatusCode.TooManyRequests); i++)
            {
                using var response = await client.GetAsync($"/api/payments/{payment.Reference}");
                statuses.Add(response.StatusCode);
            }

            statuses.ShouldContain(HttpStatusCode.TooManyRequests);
            recorder.ShouldHaveCheckedWithoutViolation(statuses.Count);
        }
    }
}

public sealed class UnavailableContractTests(SilentSagaApiFactory factory) : IClassFixture<SilentSagaApiFactory>
{
    [Fact]
    public async Task An_unavailable_answer_matches_the_document()
    {
        var (client, recorder) = ApiContractTests.Client(factory, ApiFactory.ApiKey);
        using (client)
        {
            using var response = await client.SendAsync(ApiContractTests.Create(idempotencyKey: null, "1.5"));

            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            recorder.ShouldHaveCheckedWithoutViolation(1);
        }
    }
}

internal static class RecorderAssertions
{
    public static void ShouldHaveCheckedWithoutViolation(this ContractRecorder recorder, int responses)
    {
        recorder.ShouldHaveMatchedEveryResponse();
        recorder.Checked.Count.ShouldBe(responses);
    }
}
