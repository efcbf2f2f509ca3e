using Payments.Consumer.Hosting;
using Payments.Infrastructure.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.UseManagementPort();
builder.AddPaymentsServiceDefaults("Payments.Consumer");
builder.AddPaymentsWorker();

var app = builder.Build();
app.ValidateOptionsAtStart();
app.MapPaymentsDefaultEndpoints();
app.Run();
