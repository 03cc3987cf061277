using System.Net;
using ClaudeBatch.Infrastructure.Configuration;
using Microsoft.AspNetCore.HttpOverrides;

namespace ClaudeBatch.Api.Proxies;

/// <summary>
/// Behind a reverse proxy, a request's client address (and scheme) is the one the proxy forwards in
/// <c>X-Forwarded-For</c> (<c>X-Forwarded-Proto</c>), believed only from <c>Http:KnownProxies</c> and
/// <c>Http:KnownNetworks</c>. Rate limits, login events and logs then see the real client. Without any configured
/// proxy the headers are ignored, loopback included (ASP.NET's default would believe it), so a client cannot choose
/// the address its failed logins count against.
/// </summary>
public static class KnownProxies
{
    public static IServiceCollection AddKnownProxies(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<HttpOptions>((forwarded, http) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            // Through a chain of known proxies back to the first address that is not one of them.
            forwarded.ForwardLimit = null;
            foreach (var proxy in http.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in http.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>First in the pipeline, so that everything after it sees the client's address.</summary>
    public static IApplicationBuilder UseKnownProxies(this IApplicationBuilder app)
    {
        var http = app.ApplicationServices.GetRequiredService<HttpOptions>();
        // Not even added without a proxy: the middleware believes the first forwarded address of a connection that has
        // no address of its own (a Unix socket).
        return http.KnownProxies.Count + http.KnownNetworks.Count == 0 ? app : app.UseForwardedHeaders();
    }
}
