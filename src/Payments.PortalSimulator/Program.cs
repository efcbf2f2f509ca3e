using Payments.PortalSimulator;

var app = PortalSimulatorApp.Build(args);
await app.RunAsync();

// Kept internal on purpose: test projects reference this app next to another web app, and two public Program types clash.
internal partial class Program;
