using System.CommandLine;
using System.Globalization;
using ClaudeBatch.Application.Webhooks;
using ClaudeBatch.Cli.Rendering;
using Spectre.Console;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs hooks add|list|rm|deliveries</c>: signed webhooks for job and repository events.</summary>
public static class HookCommands
{
    public static Command Build(CliContext context)
    {
        var hooks = new Command("hooks", "Webhooks: the server calls a URL when your jobs or repositories change.\nExample: cbs hooks add https://ci.example.com/hook --event job.completed --event job.failed");
        hooks.Subcommands.Add(Add(context));
        hooks.Subcommands.Add(List(context));
        hooks.Subcommands.Add(Remove(context));
        hooks.Subcommands.Add(Deliveries(context));
        return hooks;
    }

    private static Command Add(CliContext context)
    {
        var url = new Argument<string>("url") { Description = "Where to send the events (http or https)" };
        var events = new Option<string[]>("--event", "-e")
        {
            Description = "An event to send (repeatable): job.started, job.completed, job.failed, job.timeout, job.cancelled, repository.cloned, repository.clone_failed",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("add", "Subscribe a URL; prints the signing secret (whsec_…) once.\nExample: cbs hooks add https://ci.example.com/hook --event job.completed") { url, events };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var created = await api.PostAsync<CreateWebhook.Created>(
                "/webhooks", new CreateWebhookRequest(parse.GetValue(url), [.. parse.GetValue(events) ?? []]), ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, created);
            }
            else
            {
                context.Console.Error.WriteLine($"Webhook {created.Id} for {string.Join(", ", created.Events)}. Its signing secret is shown only now:");
                context.Console.WriteLine(created.Secret);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "Your webhooks.\nExample: cbs hooks list");
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var hooks = await api.GetAsync<List<WebhookResponse>>("/webhooks", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, hooks);
                return ExitCodes.Ok;
            }

            var table = Output.Table("ID", "URL", "EVENTS", "STATE");
            foreach (var h in hooks)
            {
                Output.Row(table, h.Id, h.Url, string.Join(", ", h.Events), h.Disabled ? $"disabled: {h.DisabledReason}" : "active");
            }

            context.Console.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The webhook's id (cbs hooks list)" };
        var command = new Command("rm", "Remove a webhook (and its secret).\nExample: cbs hooks rm 7c1e…") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            using var response = await api.SendRawAsync(
                new HttpRequestMessage(HttpMethod.Delete, $"/webhooks/{Uri.EscapeDataString(parse.GetValue(id)!)}"), HttpCompletionOption.ResponseContentRead, ct);
            context.Console.Out.MarkupLine($"Webhook {Markup.Escape(parse.GetValue(id)!)} removed.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deliveries(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The webhook's id" };
        var command = new Command("deliveries", "The webhook's delivery log: each event, its attempts and what the receiver answered.\nExample: cbs hooks deliveries 7c1e…") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var deliveries = await api.GetAsync<List<DeliveryResponse>>($"/webhooks/{Uri.EscapeDataString(parse.GetValue(id)!)}/deliveries", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, deliveries);
                return ExitCodes.Ok;
            }

            var table = Output.Table("QUEUED", "EVENT", "SUBJECT", "STATUS", "ATTEMPTS", "LAST ANSWER", "NEXT RETRY");
            foreach (var d in deliveries)
            {
                var last = d.Attempts.Count > 0 ? d.Attempts[^1] : null;
                Output.Row(
                    table, d.QueuedAt.ToString("u", CultureInfo.InvariantCulture), d.EventType, d.Subject, d.Status,
                    d.Attempts.Count.ToString(CultureInfo.InvariantCulture),
                    last is null ? "—" : last.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? last.Error ?? "—",
                    d.NextRetryAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
            }

            context.Console.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
