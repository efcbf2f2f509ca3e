using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Payments.Load.Chaos;
using Payments.Load.Clients;
using Payments.Load.Demo;
using Payments.Load.Load;

// Drives a running Payments stack from outside, over its public HTTP contracts.
//   demo [--payments N] [--submit-over S] [--outage-at S] [--outage-for S] [--endpoint-outage-at S] [--endpoint-outage-for S]
//        [--settle S] [--webhook-settle S] [--webhook-endpoint NAME] [--seed N] [--timeline FILE.png]
//   bench [--scenario all|throughput|outage] [--payments N] [--warm-up-payments N] [--concurrency N] [--latency-payments N] [--outage-payments N]
//         [--outage-for S] [--outage-label TEXT] [--baseline-messages N] [--run-dir DIR]
//   chaos [--scenarios all|short|NAME,NAME] [--rate N] [--load-for S] [--fault-at S] [--settle-for S] [--control run.sh]
//         [--consumers N] [--rabbitmq-nodes N] [--management URL,URL] [--report FILE] [--pictures DIR] [--summary FILE]
const string LocalPostgres = "Host=localhost;Port=5432;Database=payments;Username=payments;Password=payments";
var command = args.Length > 0 ? args[0] : "demo";
var options = ParseOptions(args.Skip(1).ToArray());

var apiUrl = Option("api", Environment.GetEnvironmentVariable("PAYMENTS_API_URL") ?? "http://127.0.0.1:5080");
var apiKey = Option("api-key", Environment.GetEnvironmentVariable("PAYMENTS_API_KEY") ?? "dev-api-key");
var adminKey = Option("admin-key", Environment.GetEnvironmentVariable("PAYMENTS_ADMIN_KEY") ?? "dev-admin-key");
var simulatorUrl = Option("simulator", Environment.GetEnvironmentVariable("PAYMENTS_SIMULATOR_URL") ?? "http://127.0.0.1:5082");

using var apiHttp = new HttpClient { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(30) };
using var simulatorHttp = new HttpClient { BaseAddress = new Uri(simulatorUrl), Timeout = TimeSpan.FromSeconds(30) };
var api = new PaymentsApiClient(apiHttp, apiKey);
var simulator = new SimulatorClient(simulatorHttp);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

switch (command)
{
    case "demo":
        var settings = new DemoSettings(
            apiUrl,
            apiKey,
            adminKey,
            simulatorUrl,
            Payments: int.Parse(Option("payments", "300"), CultureInfo.InvariantCulture),
            SubmitOver: Seconds("submit-over", "60"),
            OutageAt: Seconds("outage-at", "15"),
            OutageFor: Seconds("outage-for", "40"),
            // Events flow again only once the portal's breaker closes, its second probe about 60 s after it opened (the
            // preset's 30 s twice), near 75 s: the endpoint's outage covers the burst of verdicts that follows.
            EndpointOutageAt: Seconds("endpoint-outage-at", "70"),
            EndpointOutageFor: Seconds("endpoint-outage-for", "15"),
            Settle: Seconds("settle", "100"),
            WebhookSettle: Seconds("webhook-settle", "60"),
            WebhookEndpoint: Option("webhook-endpoint", "demo"),
            Seed: int.Parse(Option("seed", "7"), CultureInfo.InvariantCulture),
            Timeline: Option("timeline", "demo-timeline.png"));
        return await new DemoRunner(api, simulator, settings, Console.Out).RunAsync(cancel.Token);
    case "bench":
        using (var management = Management(Option("management", "http://localhost:15672")))
        {
            var bench = new BenchSettings(
                new BrokerSettings(Option("rabbitmq-host", "localhost"), Option("rabbitmq-vhost", "payments"), Option("rabbitmq-user", "payments"), Option("rabbitmq-password", "payments")),
                Option("postgres", LocalPostgres),
                Option("run-dir", ".run"),
                BaselineMessages: Int("baseline-messages", "20000"),
                Payments: Int("payments", "5000"),
                Concurrency: Int("concurrency", "64"),
                LatencyPayments: Int("latency-payments", "2000"),
                OutagePayments: Int("outage-payments", "5000"),
                OutageFor: Seconds("outage-for", "60"),
                Prefetch: Int("prefetch", "16"),
                ConsumerConcurrency: Int("consumer-concurrency", "16"))
            {
                OutageLabel = Option("outage-label", ""),
                WarmUpPayments = Int("warm-up-payments", "3000"),
            };
            return await new BenchRunner(api, simulator, management, bench, Console.Out).RunAsync(Option("scenario", "all"), cancel.Token);
        }

    case "chaos":
        var managements = Option("management", "http://localhost:15672").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Management).ToList();
        try
        {
            var chaos = new ChaosSettings(
                Control: Option("control", "run.sh"),
                Consumers: Int("consumers", "2"),
                RabbitMqNodes: Int("rabbitmq-nodes", "1"),
                Managements: managements,
                VirtualHost: Option("rabbitmq-vhost", "payments"),
                Postgres: Option("postgres", LocalPostgres),
                Rate: double.Parse(Option("rate", "20"), CultureInfo.InvariantCulture),
                LoadFor: Seconds("load-for", "15"),
                FaultAt: Seconds("fault-at", "5"),
                SettleFor: Seconds("settle-for", "180"),
                Scenarios: Option("scenarios", "all"),
                Report: Option("report", "docs/reliability.md"),
                Pictures: Option("pictures", "docs/reliability"),
                Command: Option("command", "./run.sh chaos"),
                Summary: options.GetValueOrDefault("summary"));
            return await new ChaosRunner(apiHttp, apiKey, simulator, chaos, Console.Out).RunAsync(cancel.Token);
        }
        finally
        {
            managements.ForEach(m => m.Dispose());
        }

    default:
        await Console.Error.WriteLineAsync($"unknown command '{command}' (expected: demo, bench, chaos)");
        return 2;
}

HttpClient Management(string url)
{
    var management = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
    management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
        "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Option("management-login", "guest:guest"))));
    return management;
}

string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;

int Int(string name, string fallback) => int.Parse(Option(name, fallback), CultureInfo.InvariantCulture);

TimeSpan Seconds(string name, string fallback) => TimeSpan.FromSeconds(double.Parse(Option(name, fallback), CultureInfo.InvariantCulture));

static Dictionary<string, string> ParseOptions(string[] values)
{
    var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < values.Length; i++)
    {
        if (!values[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= values.Length)
        {
            throw new ArgumentException($"expected --name value pairs, got '{values[i]}'");
        }

        parsed[values[i][2..]] = values[++i];
    }

    return parsed;
}
