using Payments.Api.Auth;
using Payments.Api.CircuitBreakers;
using Payments.Api.Hosting;
using Payments.Api.Idempotency;
using Payments.Api.Messaging;
using Payments.Api.Payments;
using Payments.Api.RateLimiting;
using Payments.Api.Webhooks;
using Payments.Api.Reviews;
using Payments.Infrastructure.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.UseApiUrls();
builder.AddPaymentsServiceDefaults("Payments.Api");
builder.AddApiDefaults();
builder.AddApiKeyAuth();
builder.AddPaymentsMessaging();
builder.AddPaymentsApi();
builder.AddIdempotency();
builder.AddClientRateLimits();
builder.AddCircuitBreakerStatus();
builder.AddWebhookAdmin();
builder.AddReviews();

var app = builder.Build();
app.ValidateOptionsAtStart();
app.UseApiDefaults();
// After authorization: the buckets are per authenticated client.
app.UseRateLimiter();
app.MapPaymentsDefaultEndpoints();
app.MapPayments();
app.MapCircuitBreakers();
app.MapWebhookAdmin();
app.MapReviews();
app.Run();
