using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Contracts;
using Breaker = Payments.CircuitBreaker.CircuitBreaker;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// Shares the <c>DeveloperPortal</c> breaker among the consumer instances over the bus, with no lock on the request path:
/// every instance keeps its own breaker, announces what its breaker learned in its breaker reports
/// (<see cref="CircuitBreakerStatus.Fleet"/>), and follows what the others announce.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>An instance whose breaker opens on failures announces an outage: OPEN until its window ends, and names the prober,
/// the next instance after itself (ordinal order of the instances heard from). Every CLOSED instance that hears it opens
/// its breaker until the same time (<see cref="Breaker.HoldOpen"/>), so the fleet pays the failure threshold once.</item>
/// <item>When the window ends only the prober lets a call through (the others keep their <c>verify-payment</c> endpoint
/// paused, <see cref="MayProbe"/>). A failed probe re-announces the outage with the next prober; passed probes announce
/// CLOSED, and every open instance ends its window at once and probes for itself, so nobody trusts a peer to close.</item>
/// <item>The prober is never the instance that opened: a fault only that instance sees (its own network) holds the others
/// for one window, then their own probe closes them. Its later re-openings come from failed probes while the fleet is
/// CLOSED and stay its own.</item>
/// <item>A view replaces another only when newer, so concurrent announcements settle on one. An instance with no view yet
/// (it just joined) takes the first one it hears and follows it even when that is a re-opening.</item>
/// <item>Without the broker nothing is heard and the instance falls back to its own breaker once its peers drop out (three
/// missed heartbeats); a prober that drops out, or does not report a result within
/// <see cref="CircuitBreakerFleetOptions.ProbeGrace"/> after the window, lets every instance probe for itself.</item>
/// </list>
/// </remarks>
internal sealed class CircuitBreakerFleet
{
    /// <summary>The breaker the fleet shares.</summary>
    public const string SharedBreaker = CircuitBreakerPresets.DeveloperPortal;

    private const int MissedHeartbeatsBeforeDrop = 3;

    private readonly Lock _lock = new();
    private readonly Breaker _breaker;
    private readonly string _self;
    private readonly TimeProvider _time;
    private readonly CircuitBreakerFleetOptions _options;
    private readonly CircuitBreakerFleetTelemetry _telemetry;
    private readonly ILogger<CircuitBreakerFleet> _logger;
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _pausedEndpoints = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _joinedBy;
    private CircuitBreakerFleetView? _view;
    private string? _heldBy;
    private bool _joined;

    public CircuitBreakerFleet(
        ICircuitBreakerRegistry registry,
        ConsumerInstance instance,
        TimeProvider time,
        IOptions<CircuitBreakerFleetOptions> options,
        CircuitBreakerFleetTelemetry telemetry,
        ILogger<CircuitBreakerFleet> logger)
    {
        _breaker = registry.Get(SharedBreaker);
        _self = instance.Id;
        _time = time;
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        _joinedBy = time.GetUtcNow() + _options.JoinWait;
        if (_options.Enabled)
        {
            _breaker.StateChanged += OnLocalChange;
        }
    }

    /// <summary>Raised after the view or the instance's following changed: time for a report, and for the pause to look again.</summary>
    public event Action? Changed;

    public bool Enabled => _options.Enabled;

    /// <summary>The newest view this instance accepted; null before it heard or made one.</summary>
    public CircuitBreakerFleetView? View
    {
        get
        {
            lock (_lock)
            {
                return _view;
            }
        }
    }

    /// <summary>The peer whose announcement holds this instance's breaker open; null while it is open on its own evidence.</summary>
    public string? HeldBy
    {
        get
        {
            lock (_lock)
            {
                return _heldBy;
            }
        }
    }

    /// <summary>The receive endpoints paused while the shared breaker is open (<see cref="BreakerEndpointPause"/>).</summary>
    public IReadOnlyList<string> PausedEndpoints
    {
        get
        {
            lock (_lock)
            {
                return [.. _pausedEndpoints];
            }
        }
    }

    /// <summary>Records that <paramref name="endpoint"/> was paused or resumed, and reports it.</summary>
    public void SetPaused(string endpoint, bool paused)
    {
        lock (_lock)
        {
            if (!(paused ? _pausedEndpoints.Add(endpoint) : _pausedEndpoints.Remove(endpoint)))
            {
                return;
            }
        }

        Changed?.Invoke();
    }

    /// <summary>The instances heard from within three of their heartbeats, this one included, in ordinal order.</summary>
    public IReadOnlyList<string> Members()
    {
        lock (_lock)
        {
            return MembersLocked(_time.GetUtcNow());
        }
    }

    /// <summary>
    /// False while a starting instance has heard neither a peer nor its own breaker and <see cref="CircuitBreakerFleetOptions.JoinWait"/>
    /// is not over: it does not know yet whether the fleet waits out an outage. <paramref name="wait"/> is the rest of the wait.
    /// </summary>
    public bool HasJoined(out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (!_options.Enabled || Volatile.Read(ref _joined))
        {
            return true;
        }

        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_view is not null || _peers.Count > 0 || now >= _joinedBy)
            {
                Volatile.Write(ref _joined, true);
                return true;
            }

            wait = _joinedBy - now;
            return false;
        }
    }

    /// <summary>
    /// Whether this instance may let a probe through now that its own window is over: it is the prober, or the fleet waits
    /// for nobody (no view, CLOSED, sharing off, the prober dropped out of the members, or it has not reported a result
    /// within the grace after the window). When not, <paramref name="askAgainAt"/>
    /// is when the grace ends.
    /// </summary>
    public bool MayProbe(out DateTimeOffset askAgainAt)
    {
        lock (_lock)
        {
            askAgainAt = _time.GetUtcNow();
            if (!_options.Enabled
                || _view is not { State: CircuitBreakerFleetView.Open, OpenUntil: { } until, Prober: { } prober }
                || string.Equals(prober, _self, StringComparison.Ordinal)
                || !MembersLocked(askAgainAt).Contains(prober))
            {
                return true;
            }

            var graceEnd = until + _options.ProbeGrace;
            if (askAgainAt >= graceEnd)
            {
                return true;
            }

            askAgainAt = graceEnd;
            return false;
        }
    }

    /// <summary>
    /// A peer's breaker report: keeps it as a member, and takes its view when newer than this instance's. A peer heard for
    /// the first time gets this instance's report at once, so a starting instance learns the fleet's state in a round trip.
    /// </summary>
    public void OnPeerReport(CircuitBreakerStatusReported report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!_options.Enabled || string.Equals(report.Instance, _self, StringComparison.Ordinal))
        {
            return;
        }

        var status = report.CircuitBreakers.FirstOrDefault(b => string.Equals(b.Name, SharedBreaker, StringComparison.Ordinal));
        Action? follow = null;
        CircuitBreakerFleetView? accepted = null;
        bool newcomer;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            newcomer = !_peers.ContainsKey(report.Instance);
            _peers[report.Instance] = new Peer(now, report.HeartbeatInterval);
            if (status?.Fleet is { } view && (_view is null || view.IsNewerThan(_view)))
            {
                accepted = view;
                follow = AcceptLocked(view, now);
            }
        }

        if (accepted is not null)
        {
            Log.FleetViewAccepted(_logger, SharedBreaker, accepted.State, accepted.Source, accepted.Cause, accepted.Prober, follow is not null);
            if (follow is not null)
            {
                follow();
                _telemetry.RecordFollowed(SharedBreaker, accepted.State);
            }
        }

        if (accepted is not null || newcomer)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Takes <paramref name="view"/> as this instance's; returns what to do to the breaker, outside the lock.</summary>
    private Action? AcceptLocked(CircuitBreakerFleetView view, DateTimeOffset now)
    {
        var joining = _view is null;
        _view = view;
        var stats = _breaker.GetStats();
        if (view.State == CircuitBreakerFleetView.Closed)
        {
            _heldBy = null;
            return stats is { State: CircuitState.Open, Isolated: false } ? () => _breaker.EndOpenWindow() : null;
        }

        // A CLOSED instance follows a new outage (or anything, when it has just joined); an open one follows every newer
        // announcement, so the fleet keeps one window and one prober.
        if (stats.Isolated || view.OpenUntil is not { } until || until <= now
            || (stats.State == CircuitState.Closed && !joining && view.Cause != CircuitBreakerFleetView.CauseFailures))
        {
            return null;
        }

        _heldBy = view.Source;
        var openFor = until - now;
        return () => _breaker.HoldOpen(openFor);
    }

    private void OnLocalChange(CircuitStateChange change)
    {
        CircuitBreakerFleetView? announced = null;
        TimeSpan? alignFor = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            switch (change.Reason)
            {
                case CircuitChangeReason.Failures:
                    if (_view is { State: CircuitBreakerFleetView.Open, OpenUntil: { } until } && now < until + _options.ProbeGrace)
                    {
                        // The fleet already waits out this outage: keep its window and prober (open on own evidence all the same).
                        _heldBy = null;
                        alignFor = until > now ? until - now : null;
                    }
                    else
                    {
                        announced = AnnounceOpenLocked(now, CircuitBreakerFleetView.CauseFailures);
                    }

                    break;

                case CircuitChangeReason.ProbeFailed when _view is { State: CircuitBreakerFleetView.Open }:
                    announced = AnnounceOpenLocked(now, CircuitBreakerFleetView.CauseProbeFailed);
                    break;

                case CircuitChangeReason.ProbesSucceeded:
                    _heldBy = null;
                    if (_view is { State: CircuitBreakerFleetView.Open })
                    {
                        announced = _view = new CircuitBreakerFleetView(
                            CircuitBreakerFleetView.Closed, now, _self, CircuitBreakerFleetView.CauseProbesSucceeded, null, null);
                    }

                    break;

                case CircuitChangeReason.Reset:
                    _heldBy = null;
                    _view = new CircuitBreakerFleetView(CircuitBreakerFleetView.Closed, now, _self, CircuitBreakerFleetView.CauseReset, null, null);
                    break;

                case CircuitChangeReason.OpenWindowEnded:
                    _telemetry.RecordProbe(SharedBreaker, ProbeRoleLocked());
                    return;

                default:
                    // A failed probe while the fleet is CLOSED is this instance's own fault; isolation and holds change no view.
                    return;
            }
        }

        if (alignFor is { } openFor)
        {
            _breaker.HoldOpen(openFor);
        }

        if (announced is not null)
        {
            Log.FleetViewAnnounced(_logger, SharedBreaker, announced.State, announced.Cause, announced.Prober);
            _telemetry.RecordAnnounced(SharedBreaker, announced.State, announced.Cause);
        }

        Changed?.Invoke();
    }

    private CircuitBreakerFleetView AnnounceOpenLocked(DateTimeOffset now, string cause)
    {
        _heldBy = null;
        var openUntil = _breaker.GetStats().OpenUntil ?? now;
        return _view = new CircuitBreakerFleetView(CircuitBreakerFleetView.Open, now, _self, cause, openUntil, NextAfterSelfLocked(now));
    }

    private string ProbeRoleLocked()
    {
        if (_view is not { State: CircuitBreakerFleetView.Open } view)
        {
            return CircuitBreakerFleetTelemetry.RoleOwn;
        }

        return string.Equals(view.Prober, _self, StringComparison.Ordinal)
            ? CircuitBreakerFleetTelemetry.RoleProber
            : CircuitBreakerFleetTelemetry.RoleFallback;
    }

    /// <summary>The instance after this one in ordinal order, wrapping around; this one when it is alone.</summary>
    private string NextAfterSelfLocked(DateTimeOffset now)
    {
        var members = MembersLocked(now);
        var index = members.IndexOf(_self);
        return members[(index + 1) % members.Count];
    }

    private List<string> MembersLocked(DateTimeOffset now)
    {
        foreach (var (instance, peer) in _peers.ToArray())
        {
            if (now - peer.LastHeard > peer.HeartbeatInterval * MissedHeartbeatsBeforeDrop)
            {
                _peers.Remove(instance);
            }
        }

        var members = new List<string>(_peers.Count + 1) { _self };
        members.AddRange(_peers.Keys);
        members.Sort(StringComparer.Ordinal);
        return members;
    }

    private readonly record struct Peer(DateTimeOffset LastHeard, TimeSpan HeartbeatInterval);
}
