using System.Security.Cryptography;
using System.Text;
using ClaudeBatch.Infrastructure.Files;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Containers;

/// <summary>
/// Removes what cidx (v1–v7) left on Docker for one workspace: containers and networks named
/// <c>cidx-&lt;h&gt;-*</c>, where h is the first 8 hex characters of sha256 of the workspace's resolved path.
/// Nothing of another workspace matches, so nothing of another job is touched.
/// </summary>
public sealed class CidxContainers(DockerOptions options, ILogger<CidxContainers> logger)
{
    public static string PrefixFor(string workspace)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(RealPath.Of(workspace).TrimEnd('/')));
        return $"cidx-{Convert.ToHexStringLower(hash)[..8]}-";
    }

    /// <summary>Removes the workspace's containers (forcibly) and networks; returns what failed, or null.</summary>
    public async Task<string?> RemoveAsync(string workspace, CancellationToken cancellationToken)
    {
        var prefix = PrefixFor(workspace);
        try
        {
            using var docker = Client();
            var filter = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [prefix] = true } };
            var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter }, cancellationToken);
            foreach (var container in containers.Where(c => c.Names.Any(n => n.TrimStart('/').StartsWith(prefix, StringComparison.Ordinal))))
            {
                await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
                logger.LogInformation("Removed container {Container} of workspace {Workspace}", container.Names.FirstOrDefault(), workspace);
            }

            var networks = await docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter }, cancellationToken);
            foreach (var network in networks.Where(n => n.Name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                await docker.Networks.DeleteNetworkAsync(network.ID, cancellationToken);
                logger.LogInformation("Removed network {Network} of workspace {Workspace}", network.Name, workspace);
            }

            return null;
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException
                                       or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            logger.LogWarning("Could not remove the cidx containers of {Workspace} ({Prefix}*): {Reason}", workspace, prefix, e.Message);
            return $"Docker at {options.Endpoint}: {e.Message}";
        }
    }

    public async Task<string?> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var docker = Client();
            await docker.System.PingAsync(cancellationToken);
            return null;
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException
                                       or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return e.Message;
        }
    }

    private DockerClient Client() => new DockerClientBuilder().WithEndpoint(new Uri(options.Endpoint)).WithTimeout(TimeSpan.FromSeconds(10)).Build();
}
