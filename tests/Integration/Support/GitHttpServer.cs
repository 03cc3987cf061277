using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A real git smart-HTTP server on loopback addresses only: <c>git http-backend</c> run as CGI for each request,
/// serving the repositories under <see cref="ProjectRoot"/>. It can ask for Basic credentials, answer every request
/// with a redirect, or answer like a web page that is not git; every request it receives is recorded.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Dictionary<string, string> urls = new(StringComparer.Ordinal);

    private GitHttpServer(WebApplication app, string projectRoot)
    {
        this.app = app;
        ProjectRoot = projectRoot;
    }

    public string ProjectRoot { get; }

    /// <summary>The path (and query) of every request received, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>When set (<c>user:password</c>), every request without these Basic credentials is a 401.</summary>
    public string? RequiredCredentials { get; set; }

    /// <summary>When set, every request is answered with a 302 to this base URL plus the request's path.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>When true, every request is answered like a web page (200, text/html).</summary>
    public bool AnswersLikeAWebPage { get; set; }

    /// <summary>The server's base URL on 127.0.0.1.</summary>
    public string Url => urls["127.0.0.1"];

    /// <summary>The server's base URL on one of the loopback addresses it was started on (as written in a URL).</summary>
    public string UrlOn(string address) => urls[address];

    /// <summary>Starts a server on 127.0.0.1 and on each of <paramref name="moreLoopbackAddresses"/> (never anything else).</summary>
    public static async Task<GitHttpServer> StartAsync(string projectRoot, params string[] moreLoopbackAddresses)
    {
        var addresses = new[] { "127.0.0.1" }.Concat(moreLoopbackAddresses).Select(IPAddress.Parse).ToList();
        addresses.ShouldAllBe(a => IPAddress.IsLoopback(a), "the tests send traffic to loopback addresses only");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var address in addresses)
            {
                kestrel.Listen(address, 0);
            }
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new GitHttpServer(app, projectRoot);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        foreach (var url in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            server.urls[new Uri(url).Host] = url.TrimEnd('/');
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext http)
    {
        var request = http.Request;
        Requests.Enqueue(request.Path + request.QueryString);
        if (RedirectTo is { } target)
        {
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = target + request.Path + request.QueryString;
            return;
        }

        if (RequiredCredentials is { } credentials
            && request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
            return;
        }

        if (AnswersLikeAWebPage)
        {
            http.Response.ContentType = "text/html";
            await http.Response.WriteAsync("<html><body>Welcome</body></html>");
            return;
        }

        await RunHttpBackendAsync(http);
    }

    private async Task RunHttpBackendAsync(HttpContext http)
    {
        var request = http.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var start = new ProcessStartInfo("git", "http-backend")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["GIT_PROJECT_ROOT"] = ProjectRoot;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["REQUEST_METHOD"] = request.Method;
        start.Environment["PATH_INFO"] = request.Path.Value ?? "/";
        start.Environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
        start.Environment["CONTENT_LENGTH"] = body.Length.ToString();
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        start.Environment["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var process = Process.Start(start)!;
        body.Position = 0;
        var errors = process.StandardError.ReadToEndAsync();
        await body.CopyToAsync(process.StandardInput.BaseStream);
        process.StandardInput.Close();
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        await errors;

        var bytes = output.ToArray();
        var (headerEnd, separator) = FindHeaderEnd(bytes);
        foreach (var line in Encoding.ASCII.GetString(bytes, 0, headerEnd).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.StatusCode = int.Parse(value.Split(' ')[0]);
            }
            else
            {
                http.Response.Headers.Append(name, value);
            }
        }

        var content = headerEnd + separator;
        await http.Response.Body.WriteAsync(bytes.AsMemory(content, bytes.Length - content));
    }

    private static (int End, int SeparatorLength) FindHeaderEnd(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length - 1; i++)
        {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n')
            {
                return (i, 2);
            }

            if (i < bytes.Length - 3 && bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return (i, 4);
            }
        }

        return (bytes.Length, 0);
    }
}
