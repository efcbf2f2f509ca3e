using Payments.Infrastructure.Persistence;

namespace Payments.Api.Payments;

internal static class PaymentsApiExtensions
{
    public static IHostApplicationBuilder AddPaymentsApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PaymentsApiOptions>()
            .BindConfiguration(PaymentsApiOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddPaymentsPersistence(builder.Configuration);
        builder.Services.AddSingleton<IPaymentReader, EfPaymentReader>();
        return builder;
    }
}
