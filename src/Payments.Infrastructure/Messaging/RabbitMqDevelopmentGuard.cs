using Microsoft.Extensions.Hosting;
using Payments.Infrastructure.Hosting;

namespace Payments.Infrastructure.Messaging;

/// <summary>Outside Development, refuses the local broker password.</summary>
internal sealed class RabbitMqDevelopmentGuard(IHostEnvironment? environment = null)
    : DevelopmentDefaultsGuard<RabbitMqOptions>(environment)
{
    protected override IEnumerable<string> Violations(RabbitMqOptions options)
    {
        if (string.Equals(options.Password, RabbitMqOptions.DevelopmentPassword, StringComparison.Ordinal))
        {
            yield return StillDevelopmentDefault($"{RabbitMqOptions.SectionName}:{nameof(RabbitMqOptions.Password)}");
        }
    }
}
