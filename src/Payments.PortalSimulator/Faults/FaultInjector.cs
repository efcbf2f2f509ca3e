namespace Payments.PortalSimulator.Faults;

internal enum FaultAction
{
    Pass,
    Abort,
    Error,
    Delay,
    RateLimit,
    Garbage,
}

internal readonly record struct FaultDecision(FaultAction Action, FaultSettings Settings);

/// <summary>Decides, per portal request, which fault (if any) it meets. Thread-safe.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private FaultSettings _settings = FaultSettings.None;
    private Random _random = new(0);

    public FaultSettings Current
    {
        get
        {
            lock (_gate)
            {
                return _settings;
            }
        }
    }

    public void Set(FaultSettings settings)
    {
        lock (_gate)
        {
            _settings = settings;
            // Re-seeding on every change makes a flaky run repeat exactly for the same request sequence.
            _random = new Random(settings.Seed);
        }
    }

    public void Reset() => Set(FaultSettings.None);

    public FaultDecision Decide()
    {
        lock (_gate)
        {
            var action = _settings.Mode switch
            {
                FaultModes.Down => FaultAction.Abort,
                FaultModes.Error => FaultAction.Error,
                FaultModes.Slow => FaultAction.Delay,
                FaultModes.RateLimit => FaultAction.RateLimit,
                FaultModes.Garbage => FaultAction.Garbage,
                FaultModes.Flaky => _random.NextDouble() < _settings.FailureRate ? FaultAction.Error : FaultAction.Pass,
                _ => FaultAction.Pass,
            };
            return new FaultDecision(action, _settings);
        }
    }
}
