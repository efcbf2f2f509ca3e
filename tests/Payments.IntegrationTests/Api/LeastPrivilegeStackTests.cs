using System.Net.Http.Json;
using System.Text.Json;
using Payments.IntegrationTests.Fixtures;
using Payments.IntegrationTests.Messaging;

namespace Payments.IntegrationTests.Api;

/// <summary>
/// The permissions are enough, not only restrictive: the whole flow with the API on its restricted broker user and database
/// role and the consumer on its own user.
/// </summary>
public sealed class LeastPrivilegeStackTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private readonly StackClient _client = new(stack);

    [Fact]
    public async Task A_payment_confirms_and_breaker_reports_arrive_with_each_service_on_its_own_user()
    {
        var final = await _client.PayAsync("3", "WLD", "3000000000000000000");

        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        // The API consumes the consumer's reports on a queue of its own.
        await Until.TrueAsync(async () =>
        {
            var health = await stack.Api.GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");
            return health.GetProperty("circuitBreakers").GetArrayLength() > 0;
        }, StackClient.Deadline, "the API shows the consumer's breakers");
        // The management API lists a connection once its statistics have been collected (every 5 s by default).
        var expected = new HashSet<string?>
        {
            BrokerPermissions.UserOf(BrokerPermissions.Api).Username,
            BrokerPermissions.UserOf(BrokerPermissions.Consumer).Username,
        };
        await Until.TrueAsync(async () => (await ConnectedUsersAsync()).SetEquals(expected), StackClient.Deadline,
            $"the virtual host's connections are those of {string.Join(" and ", expected)} only");
    }

    private async Task<HashSet<string?>> ConnectedUsersAsync() =>
        (await stack.VirtualHost.ListConnectionsAsync()).Select(c => c.GetProperty("user").GetString()).ToHashSet();
}
