using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Application.Webhooks;
using Mediator;

namespace ClaudeBatch.Api.Webhooks;

public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/webhooks").WithTags("Webhooks");

        webhooks.MapPost("/", async (CreateWebhookRequest request, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new CreateWebhook(request.Url ?? "", request.Events ?? [], http.User.Username()), ct))
                    .ToHttp(created => TypedResults.Created($"/webhooks/{created.Id}", created)))
            .WithSummary("Subscribe a URL to some of your events (job.started, job.completed, job.failed, job.timeout, job.cancelled, repository.cloned, repository.clone_failed). The signing secret (whsec_…) is in this response only.")
            .Produces<CreateWebhook.Created>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        webhooks.MapGet("/", async (HttpContext http, ISender sender, CancellationToken ct) =>
                TypedResults.Ok((await sender.Send(new ListWebhooks(http.User.Username()), ct)).Select(WebhookResponse.From).ToList()))
            .WithSummary("Your webhook subscriptions (a receiver's 410 Gone shows as disabled).")
            .Produces<List<WebhookResponse>>();

        webhooks.MapDelete("/{id}", async (string id, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new RemoveWebhook(id, http.User.Username()), ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Remove one of your webhook subscriptions; its pending deliveries are dropped.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        webhooks.MapGet("/{id}/deliveries", async (string id, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new GetWebhookDeliveries(id, http.User.Username()), ct))
                    .ToHttp(deliveries => TypedResults.Ok(deliveries.Select(DeliveryResponse.From).ToList())))
            .WithSummary("The delivery log of one of your subscriptions, newest first: each delivery's webhook-id, event, status (pending, delivered, gave_up, disabled), next retry and attempts (status code, duration, error).")
            .Produces<List<DeliveryResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
