namespace Payments.Infrastructure.Messaging;

/// <summary>Whether a process's bus schedules messages (<see cref="RabbitMqRegistration.AddPaymentsRabbitMq"/>).</summary>
public enum MessageScheduling
{
    /// <summary>
    /// Broker-native delays: the process declares the delay levels at start, binds each of its receive endpoints as a
    /// delay destination and may write into the delay exchanges. The worker's choice.
    /// </summary>
    BrokerDelays,

    /// <summary>
    /// No scheduler and no delay topology: the process neither declares nor binds anything under <c>payments.delay.</c>,
    /// so its broker user needs no permission there. For a process that schedules nothing (the API).
    /// </summary>
    None,
}
