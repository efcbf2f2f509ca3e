using Microsoft.Extensions.DependencyInjection.Extensions;
using Payments.Consumer.Verification;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.Reconciliation;

public static class ReconciliationRegistration
{
    /// <summary>The reconciler, on the interval of <c>Verification:ReconcileInterval</c>.</summary>
    public static IServiceCollection AddPaymentReconciler(this IServiceCollection services)
    {
        services.AddVerificationOptions();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReconcilerTelemetry>();
        services.AddPublishDeadline();
        services.AddSingleton<PaymentReconciler>();
        services.AddHostedService(provider => provider.GetRequiredService<PaymentReconciler>());
        return services;
    }
}
