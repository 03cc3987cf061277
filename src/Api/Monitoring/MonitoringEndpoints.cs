using System.Text;
using ClaudeBatch.Application.Jobs;
using Mediator;
using Microsoft.Extensions.Options;

namespace ClaudeBatch.Api.Monitoring;

public static class MonitoringEndpoints
{
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder app)
    {
        // Decided once, at start: the OpenAPI document then says whether the route needs a token.
        var anonymous = app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.AllowAnonymous;
        var metrics = app.MapGet("/metrics", async (IJobStatistics statistics, PrometheusScrapeReader scrape, CancellationToken ct) =>
            {
                // The queue's depth is the database's, the same from every node; the rest is this process's.
                var depth = await statistics.QueueAsync(ct);
                var text = new StringBuilder();
                PrometheusText.WriteHeader(text, "cbs_jobs_queued", "gauge", "Jobs waiting for a pipeline, on all nodes.");
                PrometheusText.WriteSample(text, "cbs_jobs_queued", [], depth.Queued);
                PrometheusText.WriteHeader(text, "cbs_jobs_running", "gauge", "Jobs a pipeline has taken and not ended, on all nodes.");
                PrometheusText.WriteSample(text, "cbs_jobs_running", [], depth.Running);
                text.Append(scrape.Scrape());
                return Results.Text(text.ToString(), PrometheusText.ContentType);
            })
            .WithTags("Monitoring")
            .WithSummary("Metrics in the Prometheus text format: the job metrics, ASP.NET Core, HttpClient, Npgsql, Wolverine and Marten. Authenticated unless Metrics:AllowAnonymous is true.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        if (anonymous)
        {
            metrics.AllowAnonymous();
        }

        app.MapGet("/stats", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetJobStatistics(), ct)))
            .WithTags("Monitoring")
            .WithSummary("The queue and the last 24 hours, for people: queued, running, maxConcurrent, the nodes, outcomes and median wait and run.")
            .Produces<GetJobStatistics.Response>(StatusCodes.Status200OK);
        return app;
    }
}
