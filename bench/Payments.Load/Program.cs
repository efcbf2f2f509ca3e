using System.Globalization;
using Payments.Load.Clients;
using Payments.Load.Demo;

// Drives a running Payments stack from outside, over its public HTTP contracts.
//   demo [--payments N] [--submit-over S] [--outage-at S] [--outage-for S] [--settle S] [--seed N]
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
            Settle: Seconds("settle", "100"),
            Seed: int.Parse(Option("seed", "7"), CultureInfo.InvariantCulture));
        return await new DemoRunner(api, simulator, settings, Console.Out).RunAsync(cancel.Token);
    default:
        await Console.Error.WriteLineAsync($"unknown command '{command}' (expected: demo)");
        return 2;
}

string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;

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
