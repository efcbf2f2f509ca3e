using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Payments.Api.Payments;
using Payments.Consumer.Portal;
using Payments.IntegrationTests.Fixtures;
using Payments.PortalSimulator;
using Payments.Testing.Contract;

namespace Payments.IntegrationTests.Api;

/// <summary>
/// The whole stack for one test class: its own RabbitMQ virtual host and PostgreSQL database, the portal simulator on a
/// loopback port, the consumer (saga + verification) and the API, both in-process on real RabbitMQ and PostgreSQL.
/// Each logs in as it does when deployed: the consumer with its own broker user and the database owner, the API with its
/// restricted broker user (deploy/rabbitmq/permissions.tsv) and database role (deploy/postgres/roles.sql), not migrating.
/// </summary>
public class ApiStackFixture : IAsyncLifetime
{
    public const string ApiKey = "integration-api-key";

    /// <summary>A key of a second client, <see cref="PartnerClient"/>.</summary>
    public const string PartnerKey = "integration-partner-key";
    public const string PartnerClient = "partner";

    /// <summary>The operators' key (X-Admin-Key).</summary>
    public const string AdminKey = "integration-admin-key";

    private readonly RabbitMqTestVirtualHost _vhost;
    private PostgresDatabase? _database;
    private WebApplication? _simulator;
    private WebApplicationFactory<DeveloperPortalOptions>? _consumer;
    private WebApplicationFactory<PaymentsApiOptions>? _api;
    private readonly List<WebApplicationFactory<PaymentsApiOptions>> _moreApis = [];
    private readonly List<WebApplicationFactory<DeveloperPortalOptions>> _moreConsumers = [];
    private readonly List<ContractRecorder> _adminContracts = [];
    private Dictionary<string, string?> _apiSettings = [];
    private Dictionary<string, string?> _consumerSettings = [];

    public ApiStackFixture()
        : this(new RabbitMqTestVirtualHost())
    {
    }

    /// <summary>The stack on another broker: a cluster (<see cref="RabbitMqTestVirtualHost(RabbitMqCluster)"/>), say.</summary>
    protected ApiStackFixture(RabbitMqTestVirtualHost vhost) => _vhost = vhost;

    /// <summary>Settings of the consumer beyond the shared ones (a fixture for one kind of test sets shorter intervals).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ConsumerSettings { get; } = new Dictionary<string, string?>();

    /// <summary>Command-line settings of the portal simulator beyond the shared ones (its webhook secrets, for example).</summary>
    protected virtual IReadOnlyList<string> SimulatorArguments { get; } = [];

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialised yet.");

    /// <summary>The stack's own virtual host (management API as the test administrator).</summary>
    public RabbitMqTestVirtualHost VirtualHost => _vhost;

    /// <summary>A client of the API with a valid X-Api-Key.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>Checks every response <see cref="Api"/> receives against the API's OpenAPI document.</summary>
    public ContractRecorder Contract { get; private set; } = null!;

    /// <summary>The simulator's control API (<c>/_sim/...</c>).</summary>
    public HttpClient Simulator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _vhost.InitializeAsync();
        // Grants first and migrations after, as on a new deployment: the API reads the saga tables through the owner's
        // default privileges.
        _database = await PostgresDatabase.CreateAsync();
        await _database.ApplyRolesAsync();
        await _database.MigrateAsync();
        _simulator = await PortalSimulatorApp.StartAsync(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. SimulatorArguments]);
        Simulator = new HttpClient { BaseAddress = _simulator.GetBaseAddress() };

        var consumer = _consumerSettings = new Dictionary<string, string?>(_vhost.ConfigurationAs(BrokerPermissions.UserOf(BrokerPermissions.Consumer)))
        {
            ["Postgres:ConnectionString"] = _database.ConnectionString,
            ["Postgres:MigrateOnStartup"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var api = _apiSettings = new Dictionary<string, string?>(_vhost.ConfigurationAs(BrokerPermissions.UserOf(BrokerPermissions.Api)))
        {
            ["Postgres:ConnectionString"] = _database.ApiConnectionString,
            ["Postgres:MigrateOnStartup"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };

        // Starts the consumer host: its bus declares the saga and verification queues before the API publishes anything.
        StartConsumer();

        _api = CreateApi();
        var first = _api;
        Contract = new ContractRecorder(cancellationToken => OpenApiContract.FromServicesAsync(first.Services, cancellationToken));
        Api = _api.CreateDefaultClient(Contract);
        Api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    /// <summary>
    /// Another API instance on the same broker and database, as a second process (or the first one restarted) would be; the
    /// client carries <paramref name="key"/>. Disposed with the fixture.
    /// </summary>
    public HttpClient StartAnotherApi(string key = ApiKey)
    {
        var api = CreateApi();
        _moreApis.Add(api);
        return CheckedClient(api, "X-Api-Key", key, track: false);
    }

    /// <summary>A client of the API (this fixture's instance) with the given key.</summary>
    public HttpClient CreateApiClient(string key) => CheckedClient(_api!, "X-Api-Key", key, track: false);

    /// <summary>
    /// A client of the API (this fixture's instance) with the admin key; its answers are checked against the document as
    /// <see cref="Api"/>'s are, and again when the fixture is disposed.
    /// </summary>
    public HttpClient CreateAdminClient() => CheckedClient(_api!, "X-Admin-Key", AdminKey, track: true);

    /// <summary>
    /// A client of <paramref name="api"/> whose every answer is checked against that instance's OpenAPI document as it
    /// arrives; <paramref name="track"/> checks it once more when the fixture is disposed.
    /// </summary>
    private HttpClient CheckedClient(WebApplicationFactory<PaymentsApiOptions> api, string header, string key, bool track)
    {
        var recorder = new ContractRecorder(cancellationToken => OpenApiContract.FromServicesAsync(api.Services, cancellationToken));
        if (track)
        {
            _adminContracts.Add(recorder);
        }

        var client = api.CreateDefaultClient(recorder);
        client.DefaultRequestHeaders.Add(header, key);
        return client;
    }

    /// <summary>Stops the consumer host (in-flight messages go back to their queues unacknowledged), as a crashed worker would.</summary>
    public async Task StopConsumerAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync();
            _consumer = null;
        }
    }

    /// <summary>Starts the consumer host (again) with the fixture's settings.</summary>
    public void StartConsumer() => _consumer = CreateConsumer(new Dictionary<string, string?>());

    /// <summary>
    /// Another consumer instance on the same broker and database, as a second worker process would be: the fixture's settings
    /// and then <paramref name="settings"/> (its instance id, a portal address of its own). Disposed with the fixture.
    /// </summary>
    public IServiceProvider StartAnotherConsumer(IReadOnlyDictionary<string, string?> settings)
    {
        var consumer = CreateConsumer(settings);
        _moreConsumers.Add(consumer);
        return consumer.Services;
    }

    /// <summary>Stops a consumer started by <see cref="StartAnotherConsumer"/>, as <see cref="StopConsumerAsync"/> does the first.</summary>
    public async Task StopAnotherConsumerAsync(IServiceProvider services)
    {
        var consumer = _moreConsumers.Single(c => ReferenceEquals(c.Services, services));
        _moreConsumers.Remove(consumer);
        await consumer.DisposeAsync();
    }

    private WebApplicationFactory<DeveloperPortalOptions> CreateConsumer(IReadOnlyDictionary<string, string?> settings)
    {
        var consumer = new WebApplicationFactory<DeveloperPortalOptions>().WithWebHostBuilder(builder =>
        {
            Apply(builder, _consumerSettings);
            builder.UseSetting("DeveloperPortal:BaseUrl", Simulator.BaseAddress!.ToString());
            Apply(builder, ConsumerSettings);
            Apply(builder, settings);
        });
        consumer.CreateClient().Dispose();
        return consumer;
    }

    /// <summary>The consumer's services (its database context factory, its breakers).</summary>
    public IServiceProvider ConsumerServices => (_consumer ?? throw new InvalidOperationException("The consumer is stopped.")).Services;

    private WebApplicationFactory<PaymentsApiOptions> CreateApi() =>
        new WebApplicationFactory<PaymentsApiOptions>().WithWebHostBuilder(builder =>
        {
            Apply(builder, _apiSettings);
            builder.UseSetting("Api:ApiKey", ApiKey);
            builder.UseSetting("Api:AdminKey", AdminKey);
            builder.UseSetting($"Api:Clients:{PartnerClient}:ApiKeys:0", PartnerKey);
        });

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        Simulator?.Dispose();
        foreach (var api in _moreApis)
        {
            await api.DisposeAsync();
        }

        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        foreach (var consumer in _moreConsumers)
        {
            await consumer.DisposeAsync();
        }

        if (_consumer is not null)
        {
            await _consumer.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        await _vhost.DisposeAsync();

        // Each mismatch already failed the test that received it; this catches one a test swallowed.
        Contract?.ShouldHaveMatchedEveryResponse();
        foreach (var recorder in _adminContracts)
        {
            recorder.ShouldHaveMatchedEveryResponse();
        }
    }

    private static void Apply(IWebHostBuilder builder, IReadOnlyDictionary<string, string?> settings)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
