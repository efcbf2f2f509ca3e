using MassTransit;
using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure.Messaging;

/// <summary>
/// A message published to a contract's exchange (<c>Payments.Contracts:X</c>) must be an <c>X</c>. Broker permissions decide
/// which exchanges a service may write to, but MassTransit dispatches on the type named inside the message: without this
/// check the API, allowed to publish <c>InitiatePayment</c>, could put a <c>PaymentVerified</c> into that exchange and the saga
/// would take it for a verdict. A message that fails the check reaches no consumer: it moves to the endpoint's
/// <c>_skipped</c> queue, and a warning names its exchange and types. Messages from any other exchange (an endpoint's own,
/// the delays, faults) are not affected: only the consumer may write there.
/// </summary>
internal sealed class ContractExchangeFilter(ILogger logger) : IFilter<ConsumeContext>
{
    private const string ContractsPrefix = "Payments.Contracts:";
    private const string UrnPrefix = "urn:message:";

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.ReceiveContext is RabbitMqBasicConsumeContext rabbit
            && rabbit.Exchange.StartsWith(ContractsPrefix, StringComparison.Ordinal)
            && !context.SupportedMessageTypes.Contains(UrnPrefix + rabbit.Exchange, StringComparer.Ordinal))
        {
            Log.MessageTypeNotOfItsExchange(logger, rabbit.Exchange, string.Join(", ", context.SupportedMessageTypes), context.ReceiveContext.InputAddress);
            return Task.CompletedTask;
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("contractExchange");
}
