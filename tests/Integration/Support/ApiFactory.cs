using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// The real API in-process against a real PostgreSQL database of its own, with its own workspace folders,
/// accounts files and log file. Settings can be changed before the first client is created.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly Dictionary<string, string?> settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly string? sharedConnectionString;

    public ApiFactory()
        : this(null)
    {
    }

    private ApiFactory(string? sharedConnectionString)
    {
        this.sharedConnectionString = sharedConnectionString;
        RootPath = Path.Combine(Path.GetTempPath(), "claudebatch-tests", Guid.NewGuid().ToString("N")[..12]);
        Accounts = new TestAccounts(Path.Combine(RootPath, "auth"));
        LogFilePath = Path.Combine(RootPath, "logs", "server.log");
        Sources = new GitRepos(Path.Combine(RootPath, "sources"));
        JwtKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

        this.With("Jwt:Key", JwtKey)
            .With("Workspace:RepositoriesPath", Path.Combine(RootPath, "repos"))
            .With("Workspace:JobsPath", Path.Combine(RootPath, "jobs"))
            .With("Auth:ShadowFilePath", Accounts.ShadowPath)
            .With("Auth:PasswdFilePath", Accounts.PasswdPath)
            .With("Auth:GroupFilePath", Accounts.GroupPath)
            .With("Auth:LoginRateLimit:FailuresPerUserAndAddress", "1000")
            .With("Auth:LoginRateLimit:FailuresPerUser", "100000")
            .With("Auth:LoginRateLimit:FailuresPerAddress", "100000")
            .With("Logging:FilePath", LogFilePath)
            .With("Repositories:AllowLocalSources", "true")
            .With("Repositories:AllowedLocalRoots:0", Sources.Root)
            .With("Claude:Command", FakeClaude.Path)
            .With("Impersonation:Mode", "none")
            .With("Cidx:Command", FakeClaude.CidxPath)
            .With("Cidx:Environment:VOYAGE_API_KEY", "test-voyage-key")
            .With("Cidx:Environment:FAKE_STATE_DIR", FakeStatePath)
            .With("Docker:Endpoint", TestDocker.Endpoint ?? "unix:///nonexistent/docker.sock")
            .With("Claude:Environment:FAKE_STATE_DIR", FakeStatePath)
            // The tests run as root, some with Impersonation:Mode=none: as the CLI, the server then needs to be told it is sandboxed.
            .With("Claude:Environment:IS_SANDBOX", "1")
            .With("Jobs:MaxConcurrent", "3")
            // One server per test database (a test that adds a node says Jobs:SingleNode=false); real server processes
            // (ServerProcess) run as several nodes do unless a test says otherwise.
            .With("Jobs:SingleNode", "true")
            .With("Uploads:MaxFileBytes", (1024 * 1024).ToString())
            .With("Uploads:MaxJobBytes", (2560 * 1024).ToString())
            .With("Uploads:MaxTextBytes", "4096")
            .With("Jobs:NodeName", "test-node-" + Guid.NewGuid().ToString("N")[..8]);
        if (TestDocker.Endpoint is { } docker)
        {
            With("Cidx:Environment:DOCKER_HOST", docker);
        }

        Directory.CreateDirectory(FakeStatePath);
    }

    public string RootPath { get; }

    public TestAccounts Accounts { get; }

    public string LogFilePath { get; }

    /// <summary>Where tests make the git repositories the server may clone (the allowed local root).</summary>
    public GitRepos Sources { get; }

    public string RepositoriesPath => Path.Combine(RootPath, "repos");

    public string JobsPath => Path.Combine(RootPath, "jobs");

    /// <summary>Where the fake agent keeps state that tests read (concurrency probes).</summary>
    public string FakeStatePath => Path.Combine(RootPath, "fake-state");

    public string JwtKey { get; private set; }

    public string ConnectionString { get; private set; } = "";

    /// <summary>A second server on the same database and key, beside this one: another node behind a balancer (a node of its own name).</summary>
    public ApiFactory SecondServer()
    {
        var second = new ApiFactory(ConnectionString);
        foreach (var (key, value) in settings)
        {
            second.With(key, value);
        }

        second.With("Jobs:NodeName", "test-node-" + Guid.NewGuid().ToString("N")[..8]);
        second.JwtKey = JwtKey;
        return second;
    }

    /// <summary>Every setting this factory gives the server (also used to start it as a real process).</summary>
    public IReadOnlyDictionary<string, string?> Settings => settings;

    public ApiFactory With(string key, string? value)
    {
        settings[key] = value;
        return this;
    }

    public virtual async Task InitializeAsync()
    {
        ConnectionString = sharedConnectionString ?? await PostgresServer.CreateDatabaseAsync(GetType().Name);
        With("ConnectionStrings:Postgres", ConnectionString);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            try
            {
                await DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The server did not stop within 60 s; the end of its log:\n{LogTail()}");
            }

            if (stopping.Elapsed > TimeSpan.FromSeconds(20))
            {
                // Slow, not stuck: say so (with what it was doing) without failing the test.
                await Console.Error.WriteLineAsync($"{GetType().Name}: the server took {stopping.Elapsed.TotalSeconds:0.0} s to stop; the end of its log:\n{LogTail()}");
            }
        }
        finally
        {
            try
            {
                Directory.Delete(RootPath, recursive: true);
            }
            catch (IOException)
            {
                // A process of a test may still hold a file; scripts/test.sh clears the folder on its next run.
            }
        }
    }

    private string LogTail()
    {
        try
        {
            var folder = Path.GetDirectoryName(LogFilePath)!;
            var newest = Directory.GetFiles(folder).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
            return newest is null ? "(no log)" : string.Join('\n', File.ReadLines(newest).TakeLast(40));
        }
        catch (IOException e)
        {
            return $"(the log could not be read: {e.Message})";
        }
    }

    public async Task<HttpClient> LoginAsync(TestUser user)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<LoginBody>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body!.Token);
        return client;
    }

    /// <summary>
    /// Serves on a real socket on 127.0.0.1 (Kestrel) instead of the in-memory test server, so that every connection has
    /// a real client address; returns the server's address.
    /// </summary>
    public Uri StartOnLoopbackSocket()
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>A client whose connections come from <paramref name="source"/>: any 127.x.y.z, all of which are this machine.</summary>
    public static HttpClient ClientFrom(Uri server, IPAddress source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = server,
    };

    public string ReadLog()
    {
        var directory = Path.GetDirectoryName(LogFilePath)!;
        if (!Directory.Exists(directory))
        {
            return "";
        }

        return string.Concat(Directory.GetFiles(directory).Select(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));
    }

    /// <summary>Started as a test expects it: with every hosted service running (they start behind Kestrel, BackgroundStart).</summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        try
        {
            host.Services.GetRequiredService<ClaudeBatch.Api.Health.BackgroundStart>().Started.GetAwaiter().GetResult();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public sealed record LoginBody(string Token, string User, DateTimeOffset Expires);
}

/// <summary>
/// The API host shared by every test class in the "api" collection: one start per run. The classes that share a host are
/// spread over three such collections, each with a host of its own, by how long they run (~3 minutes each): one collection
/// runs its classes one after another, and a single one was the last ~9 minutes of the parallel part of a run.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api";
}

/// <summary>The second of the shared hosts (<see cref="ApiCollection"/>).</summary>
[CollectionDefinition(Name)]
public sealed class SecondApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api-2";
}

/// <summary>The third of the shared hosts (<see cref="ApiCollection"/>).</summary>
[CollectionDefinition(Name)]
public sealed class ThirdApiCollection : ICollectionFixture<ApiFactory>
{
    public const string Name = "api-3";
}
