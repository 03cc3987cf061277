using System.Net;
using System.Security.Claims;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Application.Jobs;
using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Yarp.ReverseProxy.Forwarder;

namespace ClaudeBatch.Api.Nodes;

/// <summary>
/// Routes that need a job's folder (its staged uploads or its workspace) are answered by the node whose disk holds
/// it (<see cref="LocateJobFiles"/>): a request reaching another node is forwarded there as it is (the caller's
/// Authorization with it) through YARP's <see cref="IHttpForwarder"/>, marked with <see cref="ForwardedByHeader"/>; a
/// request carrying that mark is answered where it lands (whoever set it: the mark can only keep a request from being
/// forwarded, it is believed for nothing else). When that node is down or cannot be reached: 503 naming it, with
/// Retry-After. Runs after authentication, so only a caller who owns the job learns where it is.
/// </summary>
public static class JobNodeForwarding
{
    /// <summary>Set on a forwarded request to the name of the node that forwarded it.</summary>
    public const string ForwardedByHeader = "Cbs-Forwarded-By";

    public const int RetryAfterSeconds = 10;

    /// <summary>A push or a large diff may keep the other node busy a while before it answers a byte; YARP's default is 100 s.</summary>
    private static readonly ForwarderRequestConfig Config = new() { ActivityTimeout = TimeSpan.FromMinutes(10) };

    /// <summary>Marks an endpoint as one that must run on the node holding the job's folder (route value <c>jobId</c>).</summary>
    public static RouteHandlerBuilder OnJobNode(this RouteHandlerBuilder endpoint) =>
        endpoint.WithMetadata(OnJobNodeMetadata.Instance).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    public static IServiceCollection AddJobNodeForwarding(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<NodeClient>();
        return services;
    }

    /// <summary>After authentication and authorization: the endpoint is known, and so is the caller.</summary>
    public static IApplicationBuilder UseJobNodeForwarding(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<OnJobNodeMetadata>() is null
            || context.User.Identity?.IsAuthenticated != true
            || !Guid.TryParse(context.Request.RouteValues["jobId"] as string, out var jobId))
        {
            await next(context);
            return;
        }

        var services = context.RequestServices;
        var nodes = services.GetRequiredService<INodeDirectory>();
        var filesNode = await services.GetRequiredService<ISender>().Send(new LocateJobFiles(jobId.ToString(), context.User.Username()), context.RequestAborted);
        var node = filesNode is null || filesNode == nodes.Self ? null : await nodes.FindAsync(filesNode, context.RequestAborted);
        switch (JobNodeRouting.Decide(nodes.Self, filesNode, context.Request.Headers.ContainsKey(ForwardedByHeader), node))
        {
            case JobNodeRoute.Forward forward:
                await ForwardAsync(context, forward, nodes.Self);
                return;
            case JobNodeRoute.Unavailable unavailable:
                await UnavailableAsync(context, unavailable.Node, unavailable.Reason);
                return;
            default:
                await next(context);
                return;
        }
    });

    private static async Task ForwardAsync(HttpContext context, JobNodeRoute.Forward forward, string self)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Relayed as it streams in; the node that answers applies its own limit (an upload's is larger than Kestrel's default).
            limit.MaxRequestBodySize = null;
        }

        var services = context.RequestServices;
        var error = await services.GetRequiredService<IHttpForwarder>().SendAsync(
            context, forward.Destination.ToString().TrimEnd('/'), services.GetRequiredService<NodeClient>().Invoker,
            Config, new Transformer(self));
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            var reason = context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message;
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(JobNodeForwarding)).LogWarning(
                "Forwarding {Path} to node {Node} failed: {Error} {Reason}", context.Request.Path.Value, forward.Node, error, reason);
            await UnavailableAsync(context, forward.Node, "could not be reached");
        }
    }

    private static async Task UnavailableAsync(HttpContext context, string node, string reason)
    {
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The node holding the job's files is unavailable.",
            Detail = $"The job's files are on node '{node}', which {reason}; try again when it is back.",
            Type = ProblemTypes.For("node-unavailable"),
            Extensions = { ["node"] = node },
        };
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    private sealed class OnJobNodeMetadata
    {
        public static readonly OnJobNodeMetadata Instance = new();
    }

    /// <summary>
    /// Copies the request (Authorization included) but not what a client may have said about where it came from:
    /// the forwarding headers are set afresh to the caller's address as this node knows it (believed by the other node
    /// only if this one is among its Http:KnownProxies), and the mark says which node forwarded it.
    /// </summary>
    private sealed class Transformer(string self) : HttpTransformer
    {
        private static readonly string[] Dropped =
            ["Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix", "X-Original-For", "X-Original-Proto", "X-Original-Host", ForwardedByHeader];

        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Host = null;
            foreach (var header in Dropped)
            {
                proxyRequest.Headers.Remove(header);
            }

            if (httpContext.Connection.RemoteIpAddress is { } client)
            {
                proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ToString());
            }

            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
            proxyRequest.Headers.TryAddWithoutValidation(ForwardedByHeader, self);
        }
    }

    /// <summary>One connection pool to the other nodes: no proxy, no redirects, no cookies (each request carries its caller's credentials).</summary>
    internal sealed class NodeClient : IDisposable
    {
        public HttpMessageInvoker Invoker { get; } = new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
        });

        public void Dispose() => Invoker.Dispose();
    }
}
