using ClaudeBatch.Api.Dashboard;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Health;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Api.Logging;
using ClaudeBatch.Api.Monitoring;
using ClaudeBatch.Api.Nodes;
using ClaudeBatch.Api.OpenApi;
using ClaudeBatch.Api.Proxies;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Infrastructure.Configuration;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Infrastructure.Persistence;
using ClaudeBatch.Infrastructure.Repositories;
using ClaudeBatch.Api.Repositories;
using ClaudeBatch.Api.Jobs;
using ClaudeBatch.Api.Files;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Infrastructure.CodeIndex;
using ClaudeBatch.Infrastructure.Workspaces;
using ClaudeBatch.Infrastructure.Webhooks;
using ClaudeBatch.Api.Webhooks;
using FluentValidation;
using Serilog;
using Wolverine;
using JasperFx;

// Settings are read once at start (they are validated then, and nothing re-reads them), so the configuration files
// are not watched: the watch is recursive over the content root (the working directory), and a server started from a
// folder that holds its jobs folder would put an inotify watch on every workspace folder.
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
// An installed server reads its settings from CLAUDEBATCH_CONFIG (e.g. /etc/claude-batch-server/appsettings.json);
// environment variables still override it.
if (Environment.GetEnvironmentVariable("CLAUDEBATCH_CONFIG") is { Length: > 0 } configFile)
{
    builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
    builder.Configuration.AddEnvironmentVariables();
}

builder.AddServerLogging();
builder.AddDashboard();
builder.AddServerTelemetry();
builder.Services.AddServerOptions(builder.Configuration, out var jobs);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddPersistence();
builder.Services.AddIdentityAdapters();
builder.Services.AddWorkspaceFolders();
builder.Services.AddRepositoryAdapters();
builder.Services.AddJobAdapters();
builder.Services.AddCodeIndexAdapters();
builder.Services.AddFileAdapters();
builder.Services.AddWebhookAdapters();

builder.Services.AddMediator(options =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped;
    options.Assemblies = [typeof(Login)];
    options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
});
builder.Services.AddValidatorsFromAssemblyContaining<Login>(ServiceLifetime.Singleton);

builder.Host.UseWolverine(options =>
{
    options.UseRuntimeCompilation();
    options.Policies.UseDurableLocalQueues();

    // One server runs at most Jobs:MaxConcurrent pipelines; the rest wait, durably, for their fair turn.
    options.UseFairJobQueue(jobs);
    options.ScheduleWorkspaceRetention(jobs);
    options.UseWebhookQueue();

    // Several servers (nodes) may share the database: Wolverine elects a leader among them and hands a dead node's
    // unfinished messages to the others (README, "Several servers"); NodeFailover makes that prompt. A server told it is
    // the only one (Jobs:SingleNode) skips the polling that costs (leader election, control queue, health checks).
    options.Durability.Mode = jobs.SingleNode ? DurabilityMode.Solo : DurabilityMode.Balanced;
    options.UseQuietDurabilityAgent();
    // Background handlers live in Infrastructure, next to the adapters they drive; their generated code is
    // pre-built into this assembly (Internal/Generated, `codegen write`), so Roslyn is not loaded at run time.
    options.ApplicationAssembly = typeof(Program).Assembly;
    options.Discovery.IncludeAssembly(typeof(PersistenceRegistration).Assembly);
    options.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Auto;
    // Extensions are named here, not found by scanning every loaded assembly for [WolverineModule] at each start: the
    // only one among the server's packages is Wolverine.RuntimeCompilation's, which is UseRuntimeCompilation above.
}, ExtensionDiscovery.ManualOnly);

// After Wolverine, whose hosted service must run first: sends the webhook notifications of facts stored during the start.
builder.Services.AddDeferredWebhookNotifications();
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
    context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier);
builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(options =>
    options.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower)));
builder.Services.AddServerOpenApi();
builder.Services.AddServerAuthentication();
builder.Services.AddKnownProxies();
builder.Services.AddJobStreamLimits();
builder.Services.AddJobNodeForwarding();
// Kestrel reads only its endpoints from the "Kestrel" section by itself; its limits (README, "Connections") too.
builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
builder.Services.AddServerHealthChecks();
// Last: Kestrel answers /health/live at once; the hosted services registered above start behind it (Health/BackgroundStart).
builder.Services.StartHostedServicesInBackground();

var app = builder.Build();
app.WarmUpInBackground();

app.UseKnownProxies();
// Outside the exception handler, so each request is logged once with the status the client got (a 503 or 400
// with its reason, not a 500 with a stack trace); the handler itself logs what was unexpected.
app.UseServerRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseBackgroundStartGate();
app.UseServerApiExplorer();
app.UseAuthentication();
app.UseAuthorization();
app.UseKnownRequestCharsets();
app.UseDashboardHeaders();
// Routes that need a job's folder go to the node that holds it.
app.UseJobNodeForwarding();

app.MapServerHealth();
app.MapIdentityEndpoints();
app.MapRepositoryEndpoints();
app.MapJobEndpoints();
app.MapJobStreamEndpoint();
app.MapFileEndpoints();
app.MapWebhookEndpoints();
app.MapMonitoringEndpoints();
app.MapDashboard();

try
{
    // `dotnet ClaudeBatch.Api.dll codegen write` regenerates Internal/Generated (see README); otherwise serve.
    if (args.FirstOrDefault() == "codegen")
    {
        return await app.RunJasperFxCommands(args);
    }

    // Taken before the run: RunAsync disposes the services when the server stops.
    var backgroundStart = app.Services.GetRequiredService<BackgroundStart>();
    await app.RunAsync();
    // A service that failed to start in the background stopped the server: report it as a failed start.
    if (backgroundStart.Failure is { } failure)
    {
        throw failure;
    }

    return 0;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // Invalid configuration lands here: say which key, then exit non-zero so systemd and compose notice.
    Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
    Log.Fatal(e, "Claude Batch Server failed to start: {Message}", e.Message);
    await Console.Error.WriteLineAsync($"Claude Batch Server failed to start: {e.Message}");
    return 1;
}

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
