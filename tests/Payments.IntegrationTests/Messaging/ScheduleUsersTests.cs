using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Infrastructure.Messaging;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed record StartReminder(Guid Id);

public sealed record ReminderDue(Guid Id);

public sealed record DeferProbe(Guid Id);

public sealed class ReminderState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }

    public string CurrentState { get; set; } = "";

    public Guid? ReminderToken { get; set; }
}

/// <summary>A saga that schedules (and reschedules) a reminder, as the payment saga schedules its expiry.</summary>
public sealed class ReminderStateMachine : MassTransitStateMachine<ReminderState>
{
    public static readonly TimeSpan ReminderDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan RescheduledDelay = TimeSpan.FromSeconds(4);

    public ReminderStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Started, x => x.CorrelateById(m => m.Message.Id));
        Schedule(() => Reminder, x => x.ReminderToken, s =>
        {
            s.Delay = ReminderDelay;
            s.Received = r => r.CorrelateById(m => m.Message.Id);
        });

        Initially(When(Started).Schedule(Reminder, ctx => new ReminderDue(ctx.Saga.CorrelationId)).TransitionTo(Waiting));

        // A second start replaces the schedule with a later one; the first reminder still arrives (cancel is a no-op)
        // and the saga must ignore it because it carries the replaced token.
        During(Waiting,
            When(Started).Schedule(Reminder, ctx => new ReminderDue(ctx.Saga.CorrelationId), _ => RescheduledDelay),
            When(Reminder.Received).Publish(ctx => new DelayProbe(ctx.Saga.CorrelationId, 2)).TransitionTo(Reminded));
    }

    public State Waiting { get; private set; } = null!;

    public State Reminded { get; private set; } = null!;

    public Event<StartReminder> Started { get; private set; } = null!;

    public Schedule<ReminderState, ReminderDue> Reminder { get; private set; } = null!;
}

/// <summary>Defers its message once through <c>context.ScheduleSend</c>, as the verification consumer defers on an open circuit.</summary>
public sealed class DeferProbeConsumer(ArrivalLog arrivals) : IConsumer<DeferProbe>
{
    public const string Queue = "defer-probe";
    public const string DeferredHeader = "Payments-Test-Deferred";

    public async Task Consume(ConsumeContext<DeferProbe> context)
    {
        arrivals.Record(context, Queue, context.Message.Id);
        if (!context.Headers.TryGetHeader(DeferredHeader, out _))
        {
            await context.ScheduleSend(context.ReceiveContext.InputAddress, TimeSpan.FromSeconds(2), context.Message,
                Pipe.Execute<SendContext>(send => send.Headers.Set(DeferredHeader, "yes")));
        }
    }
}

public sealed class ScheduleUsersTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>, IAsyncLifetime
{
    private readonly ArrivalLog _arrivals = new();
    private readonly ReminderDueCounter _reminders = new();
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await DelayTestHost.StartAsync(vhost, _arrivals, x =>
        {
            x.AddConsumer<DelayProbeConsumer>();
            x.AddConsumer<DeferProbeConsumer>();
            x.AddSagaStateMachine<ReminderStateMachine, ReminderState>().InMemoryRepository();
        });
        _host.Services.GetRequiredService<IBus>().ConnectConsumeMessageObserver(_reminders);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task A_consumer_defers_its_message_through_context_schedule_send()
    {
        var probe = new DeferProbe(Guid.NewGuid());
        var endpoint = await _host.Services.GetRequiredService<IBus>().GetSendEndpoint(QueueAddress.For(DeferProbeConsumer.Queue));

        await endpoint.Send(probe);

        var arrivals = await _arrivals.WaitUntil(a => a.Count(x => x.Id == probe.Id) == 2, TimeSpan.FromSeconds(15), "the deferred copy arrives");
        var seen = arrivals.Where(x => x.Id == probe.Id).ToList();
        seen[1].Headers[DeferProbeConsumer.DeferredHeader].ShouldBe("yes");
        seen[1].ElapsedSince(seen[0].Timestamp).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_saga_schedule_fires_once_through_broker_delays_and_a_replaced_schedule_is_ignored()
    {
        var id = Guid.NewGuid();
        var bus = _host.Services.GetRequiredService<IBus>();

        var start = Stopwatch.GetTimestamp();
        await bus.Publish(new StartReminder(id));
        await bus.Publish(new StartReminder(id));

        // Both scheduled reminders reach the saga; only the one carrying the current token may act.
        await _reminders.WaitForAsync(id, 2, TimeSpan.FromSeconds(15));
        var arrivals = await _arrivals.WaitUntil(a => a.Any(x => x.Id == id), TimeSpan.FromSeconds(5), "the reminder's probe arrives");

        arrivals.Count(x => x.Id == id).ShouldBe(1);
        arrivals.Single(x => x.Id == id).ElapsedSince(start).ShouldBeGreaterThanOrEqualTo(ReminderStateMachine.RescheduledDelay);
    }

    private sealed class ReminderDueCounter : IConsumeMessageObserver<ReminderDue>
    {
        private readonly List<Guid> _consumed = [];

        public Task PreConsume(ConsumeContext<ReminderDue> context) => Task.CompletedTask;

        public Task PostConsume(ConsumeContext<ReminderDue> context)
        {
            lock (_consumed)
            {
                _consumed.Add(context.Message.Id);
            }

            return Task.CompletedTask;
        }

        public Task ConsumeFault(ConsumeContext<ReminderDue> context, Exception exception) => Task.CompletedTask;

        public async Task WaitForAsync(Guid id, int count, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                lock (_consumed)
                {
                    if (_consumed.Count(x => x == id) >= count)
                    {
                        return;
                    }
                }

                Stopwatch.GetTimestamp().ShouldBeLessThan(deadline, $"{count} reminders for {id} consumed");
                await Task.Delay(TimeSpan.FromMilliseconds(25));
            }
        }
    }
}
