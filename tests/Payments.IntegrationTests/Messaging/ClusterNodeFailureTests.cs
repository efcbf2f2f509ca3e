using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.IntegrationTests.Api;
using Payments.IntegrationTests.Fixtures;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Payments.IntegrationTests.Messaging;

/// <summary>
/// Stopping a node disturbs the cluster's every connection and makes the machine busy while queues elect new leaders, so
/// this runs alone, after the parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterNodeFailureCollection
{
    public const string Name = "Cluster node failure";
}

/// <summary>
/// The whole stack on the test cluster (<see cref="RabbitMqCluster"/>): the services know every node. A command the saga
/// sent after its save can go with the connection (its send fails, and the redelivered event finds the intent Verifying
/// already); the reconciler re-sends it once the intent is <c>Verification:StaleAfter</c> overdue, 5 minutes by default,
/// 20 s here so that the test waits for that recovery too.
/// </summary>
public sealed class ClusterStackFixture() : ApiStackFixture(new RabbitMqTestVirtualHost(RabbitMqCluster.FromEnvironment()))
{
    protected override IReadOnlyDictionary<string, string?> ConsumerSettings { get; } = new Dictionary<string, string?>
    {
        ["Verification:StaleAfter"] = "00:00:20",
        ["Verification:ReconcileInterval"] = "00:00:05",
    };
}

[Collection(ClusterNodeFailureCollection.Name)]
public sealed class ClusterNodeFailureTests(ClusterStackFixture stack, ITestOutputHelper output) : IClassFixture<ClusterStackFixture>
{
    private int _retried;
    private RabbitMqClusterNode? _survivor;

    private const int PaymentCount = 100;
    private const int StopAfterConfirmed = 30;
    private const int Submitters = 4;
    private static readonly TimeSpan _submitOver = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan _settle = TimeSpan.FromMinutes(3);

    /// <summary>How long one HTTP request may take: a request that hangs fails the test instead of holding it up.</summary>
    private static readonly TimeSpan _requestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stopping_a_node_loses_no_payment_and_leaves_none_stuck()
    {
        var vhost = stack.VirtualHost;
        var cluster = vhost.Cluster.ShouldNotBeNull();
        await QuorumQueuesShouldHaveAMemberOnEveryNodeAsync(cluster, cluster.Nodes[0].ManagementUri);
        // The node the consumer is connected to (usually the API's too: both list the nodes in one order): its connections drop with
        // publishes waiting for their confirmations, its quorum queue members go away, and the queues go on with the two
        // others. A publish whose confirmation is lost fails at its deadline (PublishDeadline) and is tried again.
        var stopped = await NodeOfConsumerConnectionAsync(cluster, cluster.Nodes[0].ManagementUri, exceptOn: null);
        output.WriteLine($"stopping {stopped.Name}, connections on it: {await ConnectionsOnAsync(stopped, cluster.Nodes[0].ManagementUri)}");
        var survivor = cluster.Nodes.First(n => n != stopped);
        _survivor = survivor;

        var payments = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var stoppedApp = false;
        try
        {
            var submitting = SubmitAllAsync(payments);
            await WaitUntilAsync(async () => await ConfirmedCountAsync() >= StopAfterConfirmed, TimeSpan.FromSeconds(90),
                $"{StopAfterConfirmed} payments confirmed before the node is stopped");
            var confirmedBefore = await ConfirmedCountAsync();

            var clock = Stopwatch.StartNew();
            await RabbitMqCluster.RabbitMqCtlAsync(stopped.Name, "stop_app");
            stoppedApp = true;
            output.WriteLine($"{stopped.Name} stopped after {confirmedBefore} confirmed, in {clock.Elapsed.TotalSeconds:0.0} s");

            await submitting;
            payments.Count.ShouldBe(PaymentCount, "every payment was initiated and submitted");
            confirmedBefore.ShouldBeLessThan(PaymentCount, "the node stopped while payments were still on their way");
            await WaitUntilAsync(async () => await ConfirmedCountAsync() == PaymentCount, _settle,
                $"all {PaymentCount} payments Confirmed with {stopped.Name} stopped", () => DescribeProgressAsync(survivor));
            output.WriteLine($"all {PaymentCount} confirmed {clock.Elapsed.TotalSeconds:0.0} s after the stop began; {_retried} requests answered 5xx and were retried");

            // Nothing lost and nothing twice: one intent per payment, each confirmed by its own transaction.
            var client = new StackClient(stack);
            foreach (var (reference, transactionId) in payments)
            {
                var document = await client.GetAsync(reference);
                document.GetProperty("status").GetString().ShouldBe("Confirmed", document.ToString());
                document.GetProperty("transactionId").GetString().ShouldBe(transactionId);
            }

            (await stack.Database.ScalarAsync<long>("SELECT count(*) FROM payments")).ShouldBe(PaymentCount, "no intent created twice by a retried request");
            (await stack.Database.ScalarAsync<long>("SELECT count(DISTINCT transaction_id) FROM payments WHERE current_state = 'Confirmed'"))
                .ShouldBe(PaymentCount);

            // Nothing failed on the way: every _error (and _skipped) queue is empty, counted on a node still running.
            var queues = await vhost.ListQueuesAsync(survivor.ManagementUri);
            var deadLetters = queues.Select(q => q.GetProperty("name").GetString()!)
                .Where(name => name.EndsWith("_error", StringComparison.Ordinal) || name.EndsWith("_skipped", StringComparison.Ordinal))
                .ToList();
            foreach (var queue in deadLetters)
            {
                (await CountMessagesAsync(survivor, queue)).ShouldBe(0u, $"{queue} holds messages");
            }
        }
        finally
        {
            if (stoppedApp)
            {
                // Whatever happened above, the cluster is whole again for whatever runs next.
                await RabbitMqCluster.RabbitMqCtlAsync(stopped.Name, "start_app");
                await RabbitMqCluster.RabbitMqCtlAsync(stopped.Name, "await_startup");
            }
        }

        // Back in the cluster: its members of the quorum queues catch up and count as online again.
        await WaitUntilAsync(async () => (await vhost.ListQueuesAsync(stopped.ManagementUri))
                .Where(IsQuorum)
                .All(q => q.TryGetProperty("online", out var online) && online.EnumerateArray().Any(n => n.GetString() == stopped.Name)),
            TimeSpan.FromSeconds(90), $"{stopped.Name} online again in every quorum queue");
    }

    /// <summary>
    /// Initiates and submits every payment, a few at a time and spread over <see cref="_submitOver"/>, so that the node
    /// stops while some are still being initiated. Each request is retried as a mini-app backend would: an initiation with
    /// the same Idempotency-Key (which never creates a second intent), a submission as it is.
    /// </summary>
    private async Task SubmitAllAsync(ConcurrentDictionary<string, string> payments)
    {
        var client = new StackClient(stack);
        var interval = _submitOver / PaymentCount;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, PaymentCount), new ParallelOptions { MaxDegreeOfParallelism = Submitters }, async (i, token) =>
        {
            var due = interval * i;
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed, token);
            }

            var key = Guid.NewGuid().ToString("N");
            var userId = $"cluster-user-{i}";
            var reference = await RetryAsync($"initiating payment {i}", HttpStatusCode.Created, async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments")
                {
                    Content = JsonContent.Create(new { userId, amount = "1", token = "USDC", recipient = StackClient.Recipient }),
                };
                request.Headers.Add("Idempotency-Key", key);
                return await stack.Api.SendAsync(request, token);
            }, async response => (await response.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("reference").GetString()!);

            var transactionId = StackClient.NewTransactionId();
            await client.RegisterAsync(transactionId, reference, "USDC", "1000000");
            await RetryAsync($"submitting payment {i}", HttpStatusCode.Accepted,
                () => client.SubmitAsync(reference, transactionId), _ => Task.FromResult(true));
            payments[reference] = transactionId;
        });
    }

    /// <summary>Sends until the answer is <paramref name="expected"/>; a 5xx is retried for a bounded time, anything else fails.</summary>
    private async Task<T> RetryAsync<T>(string what, HttpStatusCode expected, Func<Task<HttpResponseMessage>> send,
        Func<HttpResponseMessage, Task<T>> read)
    {
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (true)
        {
            // The in-memory test client does not give up on a request the API never answers: bounded here.
            using var response = await send().WaitAsync(_requestTimeout);
            if (response.StatusCode == expected)
            {
                return await read(response);
            }

            var body = await response.Content.ReadAsStringAsync();
            Interlocked.Increment(ref _retried);
            output.WriteLine($"{what}: {(int)response.StatusCode}, retrying");
            ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(500, $"{what}: {(int)response.StatusCode} {body}");
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                var progress = _survivor is null ? "" : "; " + await DescribeProgressAsync(_survivor);
                Assert.Fail($"{what}: still {(int)response.StatusCode} {body}{progress}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private Task<long> ConfirmedCountAsync() =>
        stack.Database.ScalarAsync<long>("SELECT count(*) FROM payments WHERE current_state = 'Confirmed'");

    /// <summary>The consumer's own connection (its broker user's), as the management API of <paramref name="management"/> sees it.</summary>
    private async Task<RabbitMqClusterNode> NodeOfConsumerConnectionAsync(RabbitMqCluster cluster, Uri management, RabbitMqClusterNode? exceptOn)
    {
        var consumer = BrokerPermissions.UserOf(BrokerPermissions.Consumer).Username;
        string? node = null;
        await WaitUntilAsync(async () =>
        {
            var connections = await stack.VirtualHost.ListConnectionsAsync(management);
            node = connections
                .Where(c => c.GetProperty("user").GetString() == consumer)
                .Select(c => c.GetProperty("node").GetString())
                .FirstOrDefault(n => n != exceptOn?.Name);
            return node is not null;
        }, TimeSpan.FromSeconds(60), $"a connection of the consumer ({consumer}) shows in the management API");
        return cluster.Node(node!);
    }

    /// <summary>The users whose connections to this virtual host are on <paramref name="node"/>.</summary>
    private async Task<string> ConnectionsOnAsync(RabbitMqClusterNode node, Uri management)
    {
        var users = (await stack.VirtualHost.ListConnectionsAsync(management))
            .Where(c => c.GetProperty("node").GetString() == node.Name)
            .Select(c => c.GetProperty("user").GetString())
            .Order(StringComparer.Ordinal);
        return string.Join(", ", users);
    }

    private async Task QuorumQueuesShouldHaveAMemberOnEveryNodeAsync(RabbitMqCluster cluster, Uri management)
    {
        var queues = (await stack.VirtualHost.ListQueuesAsync(management)).Where(IsQuorum).ToList();
        var names = queues.Select(q => q.GetProperty("name").GetString()).ToList();
        names.ShouldContain("payment-state");
        names.ShouldContain("verify-payment");
        names.ShouldContain("payments.delay.level-00");
        names.ShouldContain("payments.delay.unroutable");
        foreach (var queue in queues)
        {
            var members = queue.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal).ToList();
            members.ShouldBe(cluster.Nodes.Select(n => n.Name).Order(StringComparer.Ordinal).ToList(), $"members of {queue.GetProperty("name")}");
        }
    }

    private static bool IsQuorum(JsonElement queue) => queue.GetProperty("type").GetString() == "quorum";

    /// <summary>Ready messages right now (a passive declare on <paramref name="node"/>, not the management API's sampled figures).</summary>
    private async Task<uint> CountMessagesAsync(RabbitMqClusterNode node, string queue)
    {
        var vhost = stack.VirtualHost;
        var factory = new ConnectionFactory
        {
            HostName = node.Host,
            Port = node.Port,
            VirtualHost = vhost.Name,
            UserName = vhost.Username,
            Password = vhost.Password,
            AutomaticRecoveryEnabled = false,
        };
        await using var connection = await factory.CreateConnectionAsync("payments-tests");
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Where the payments are and which queues hold messages without a consumer, for a failure message.</summary>
    private async Task<string> DescribeProgressAsync(RabbitMqClusterNode node)
    {
        var statuses = new List<string>();
        foreach (var status in new[] { "AwaitingTransaction", "Verifying", "Confirmed", "Failed", "NeedsReview" })
        {
            statuses.Add($"{status} {await stack.Database.ScalarAsync<long>($"SELECT count(*) FROM payments WHERE current_state = '{status}'")}");
        }

        var unconsumed = (await stack.VirtualHost.ListQueuesAsync(node.ManagementUri))
            .Where(q => q.TryGetProperty("messages", out var m) && m.GetInt64() > 0 && q.GetProperty("consumers").GetInt32() == 0)
            .Select(q => $"{q.GetProperty("name").GetString()} ({q.GetProperty("messages").GetInt64()})");
        return $"payments: {string.Join(", ", statuses)}; queues with messages and no consumer: {string.Join(", ", unconsumed)}";
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<Task<string>>? describe = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                var details = describe is null ? "" : "; " + await describe();
                Assert.Fail($"{what}: not within {timeout}{details}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}
