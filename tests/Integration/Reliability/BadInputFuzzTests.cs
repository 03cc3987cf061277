using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Xunit.Abstractions;

namespace ClaudeBatch.Integration.Tests.Reliability;

/// <summary>
/// Seeded bad input against every route of the real server process for a bounded time: malformed JSON, wrong types,
/// huge and odd-unicode fields, hostile paths and names in bodies, segments, queries, headers and multipart uploads.
/// No answer may be a 5xx, every 4xx with a body is a problem document, the server still answers afterwards, and no
/// file named with the run's marker appears outside the workspace roots. Replay a run with CLAUDEBATCH_FUZZ_SEED.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class BadInputFuzzTests(ITestOutputHelper output)
{
    public const int DefaultSeed = 20_260_611;
    private const int MaxRequests = 6000;
    public const int DefaultSeconds = 20;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Seeded_bad_input_on_every_route_gets_no_5xx_only_problem_documents_and_writes_nothing_outside_the_roots()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CLAUDEBATCH_FUZZ_SEED"), out var chosen) ? chosen : DefaultSeed;
        // A longer hunt: CLAUDEBATCH_FUZZ_SECONDS (the request cap grows with it).
        var budget = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("CLAUDEBATCH_FUZZ_SECONDS"), out var seconds) && seconds > 0 ? seconds : DefaultSeconds);
        var maxRequests = (int)(MaxRequests * Math.Max(1, budget.TotalSeconds / DefaultSeconds));
        var marker = "cbfz" + Guid.NewGuid().ToString("N")[..10];
        var replay = $"seed {seed} (replay: CLAUDEBATCH_FUZZ_SEED={seed}), marker {marker}";
        output.WriteLine(replay);

        var started = Stopwatch.StartNew();
        var api = new ApiFactory();
        await api.InitializeAsync();
        try
        {
            var sweep = new MarkerSweep(api, marker);
            sweep.Find().ShouldBeEmpty($"files named with the marker exist before the run; {replay}");

            await using var server = await ServerProcess.StartAsync(api.Settings);
            output.WriteLine($"server up in {started.Elapsed.TotalSeconds:0.0} s");
            var world = await FuzzWorld.SetUpAsync(api, server, marker);
            var fuzz = new RouteFuzzer(new BadInput(new Random(seed), marker), world);
            output.WriteLine($"server and targets ready in {started.Elapsed.TotalSeconds:0.0} s");

            // Every operation the OpenAPI document describes must be one the fuzzer knows.
            var documented = await DocumentedOperationsAsync(server);
            documented.Except(fuzz.Routes).ShouldBeEmpty("routes in the OpenAPI document that the fuzzer does not cover");

            var offenders = new List<string>();
            var hits = new Dictionary<string, int>();
            var statuses = new SortedDictionary<int, int>();
            var clock = Stopwatch.StartNew();
            var sent = 0;
            var cutShort = 0;
            string? firstRefusal = null;
            var recent = new Queue<string>();
            using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            {
                BaseAddress = server.Url,
                Timeout = Timeout.InfiniteTimeSpan,
            };

            // One round over every route first (each is hit at least once), then the seeded mix until the budget is spent.
            foreach (var request in fuzz.OneOfEach().Concat(fuzz.Endless()))
            {
                if (sent >= maxRequests || (clock.Elapsed > budget && sent >= fuzz.Routes.Count))
                {
                    break;
                }

                sent++;
                hits[request.Route] = hits.GetValueOrDefault(request.Route) + 1;
                var outcome = await SendAsync(client, request);
                statuses[outcome.Status] = statuses.GetValueOrDefault(outcome.Status) + 1;
                world.Observe(request, outcome);
                if (request.AuthKind == "user" && outcome.Status == 401 && firstRefusal is null)
                {
                    firstRefusal = $"#{sent} {Shorten(request.Describe(), 400)}, after:\n    " + string.Join("\n    ", recent);
                }

                recent.Enqueue($"#{sent} {Shorten(request.Describe(), 400)} → {outcome.Status}");
                if (recent.Count > 5)
                {
                    recent.Dequeue();
                }

                if (outcome.Status == 0 && request.IsLarge && !outcome.TimedOut)
                {
                    // Refused before it was all sent: the answer was lost with the connection; not a server fault.
                    cutShort++;
                }
                else if (outcome.Problem is { } problem)
                {
                    offenders.Add($"#{sent} {request.Describe()}\n    → {outcome.Status} {outcome.ContentType}: {problem}\n    {Shorten(outcome.Text, 800)}");
                }
            }

            foreach (var raw in fuzz.RawRequests())
            {
                sent++;
                hits[raw.Route] = hits.GetValueOrDefault(raw.Route) + 1;
                var outcome = await SendRawAsync(server.Url, raw.Bytes);
                statuses[outcome.Status] = statuses.GetValueOrDefault(outcome.Status) + 1;
                if (outcome.Problem is { } problem)
                {
                    offenders.Add($"#{sent} RAW {raw.Route}: {BadInput.Summarize(raw.Bytes, 200)}\n    → {outcome.Status} {outcome.ContentType}: {problem}\n    {Shorten(outcome.Text, 800)}");
                }
            }

            var elapsed = clock.Elapsed;
            output.WriteLine($"{sent} requests in {elapsed.TotalSeconds:0.0} s ({cutShort} large ones cut short by an early refusal); statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
            output.WriteLine("per route: " + string.Join(", ", hits.OrderBy(h => h.Key).Select(h => $"{h.Key} {h.Value}")));

            // Still serving, with the database.
            using var probe = server.CreateClient();
            var live = await probe.GetAsync("/health/live");
            var ready = await probe.GetAsync("/health/ready");
            probe.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", world.Token);
            var me = await probe.GetAsync("/auth/me");
            // The sweep itself must see a marked file outside the roots: plant one where an escape would land.
            var planted = Path.Combine(Path.GetTempPath(), marker + "-planted");
            await File.WriteAllTextAsync(planted, "planted");
            List<string> escaped;
            try
            {
                escaped = sweep.Find();
            }
            finally
            {
                File.Delete(planted);
            }

            escaped.ShouldContain(planted, "the sweep does not see a marked file in /tmp");
            escaped.Remove(planted);

            var failures = new List<string>();
            if (offenders.Count > 0)
            {
                failures.Add($"{offenders.Count} of {sent} requests were answered badly:\n" + string.Join("\n", offenders.Take(60))
                    + (offenders.Count > 60 ? $"\n… and {offenders.Count - 60} more" : "")
                    + "\nServer errors logged:\n" + ServerErrors(api));
            }

            if (live.StatusCode != HttpStatusCode.OK || ready.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"after the run /health/live is {(int)live.StatusCode} and /health/ready is {(int)ready.StatusCode}: {await ready.Content.ReadAsStringAsync()}");
            }

            if (me.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"the fuzzing user's token no longer works ({(int)me.StatusCode}): most requests only met a 401; first refused: {firstRefusal}");
            }

            if (escaped.Count > 0)
            {
                failures.Add("files named with the marker outside the workspace roots:\n  " + string.Join("\n  ", escaped));
            }

            var unhit = fuzz.Routes.Where(r => !hits.ContainsKey(r)).ToList();
            if (unhit.Count > 0)
            {
                failures.Add("routes never exercised: " + string.Join(", ", unhit));
            }

            failures.Count.ShouldBe(0, $"{replay}; {sent} requests\n" + string.Join("\n\n", failures));
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    private static async Task<HashSet<string>> DocumentedOperationsAsync(RunningServer server)
    {
        using var client = server.CreateClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var operations = new HashSet<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                operations.Add($"{operation.Name.ToUpperInvariant()} {TrimSlash(path.Name)}");
            }
        }

        return operations;
    }

    public static string TrimSlash(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    private static async Task<Outcome> SendAsync(HttpClient client, FuzzRequest request)
    {
        using var message = new HttpRequestMessage(request.Method, new Uri(client.BaseAddress + request.Target.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        if (request.Body is not null || request.ContentType is not null)
        {
            message.Content = new ByteArrayContent(request.Body ?? []);
            message.Content.Headers.Remove("Content-Type");
            if (request.ContentType is { Length: > 0 } type)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        if (request.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
        }

        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var contentType = response.Content.Headers.ContentType?.MediaType ?? "";
            if (contentType == "text/event-stream")
            {
                // A live stream: its headers are the answer; reading on would wait for the job to end.
                return new Outcome(status, contentType, "(stream)", status >= 500 ? "a 5xx" : null);
            }

            var text = await ReadSomeAsync(response, timeout.Token);
            // A client that does not accept JSON gets the status in plain text (content negotiation): only a 5xx counts then.
            var acceptsJson = request.Headers.Where(h => h.Name == "Accept").Select(h => h.Value).FirstOrDefault() is not { } accept
                || accept.Contains("json", StringComparison.Ordinal) || accept.Contains("*/*", StringComparison.Ordinal);
            return new Outcome(status, contentType, text.Text, Judge(request.Method == HttpMethod.Head || !acceptsJson, status, contentType, text.Length));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return new Outcome(0, "", e.GetBaseException().Message,
                timeout.IsCancellationRequested ? $"no answer within {RequestTimeout.TotalSeconds} s" : $"the connection failed: {e.GetBaseException().Message}",
                timeout.IsCancellationRequested);
        }
    }

    private static string? Judge(bool anyBody, int status, string contentType, long length) =>
        status >= 500 ? "a 5xx"
        : status is >= 400 and < 500 && length > 0 && !anyBody && contentType != "application/problem+json" ? "a 4xx body that is not application/problem+json"
        : null;

    private static async Task<(string Text, long Length)> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[64 * 1024];
        var total = 0L;
        var kept = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(kept), cancellationToken)) > 0)
        {
            total += read;
            kept = Math.Min(kept + read, 4096);
        }

        return (Encoding.UTF8.GetString(buffer, 0, kept), total);
    }

    /// <summary>Bytes on a socket, for what no HTTP client will send; reads the status line and headers of the answer.</summary>
    private static async Task<Outcome> SendRawAsync(Uri server, byte[] request)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
            var stream = tcp.GetStream();
            await stream.WriteAsync(request, timeout.Token);
            var received = new MemoryStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            var text = Encoding.UTF8.GetString(received.ToArray());
            var head = text.Split("\r\n\r\n", 2);
            var lines = head[0].Split("\r\n");
            var status = lines[0].Split(' ') is [_, var code, ..] && int.TryParse(code, out var parsed) ? parsed : 0;
            var contentType = lines.Skip(1).Where(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
                .Select(l => l["Content-Type:".Length..].Split(';')[0].Trim()).FirstOrDefault() ?? "";
            var body = head.Length > 1 ? head[1] : "";
            return new Outcome(status, contentType, text, status == 0 ? "no HTTP answer" : Judge(false, status, contentType, body.Length));
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return new Outcome(0, "", e.Message, timeout.IsCancellationRequested ? "no answer in time" : null);
        }
    }

    /// <summary>The distinct unhandled exceptions in the server's log (the 500s' causes), each with how often it occurred.</summary>
    private static string ServerErrors(ApiFactory api)
    {
        var causes = api.ReadLog().Split('\n')
            .Where(l => l.Contains("\"@mt\":\"Unhandled exception", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.TryGetProperty("@x", out var x) ? x.GetString() ?? "" : "")
            .Select(x => string.Join(" | ", x.Split('\n').Select(line => line.Trim())
                .Where(line => line.Contains("Exception", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(line, "^[0-9A-Z]{5}: ")
                    || (line.StartsWith("at ClaudeBatch", StringComparison.Ordinal) && !line.Contains(".Api.", StringComparison.Ordinal)))
                .Take(5)))
            .GroupBy(cause => cause)
            .Select(g => $"  {g.Count()}× {Shorten(g.Key, 700)}")
            .ToList();
        return causes.Count == 0 ? "  (none)" : string.Join("\n", causes);
    }

    public static string Shorten(string text, int max) =>
        text.Length <= max ? text : text[..max] + $"… ({text.Length} chars)";
}

public sealed record Outcome(int Status, string ContentType, string Text, string? Problem, bool TimedOut = false);

public sealed record FuzzRequest(
    string Route, HttpMethod Method, string Target, byte[]? Body, string? ContentType, string BodySummary,
    string AuthKind, string? Authorization, IReadOnlyList<(string Name, string Value)> Headers)
{
    public string Describe() =>
        $"{Route}: {Method} {BadInputFuzzTests.Shorten(Target, 300)} auth={AuthKind}"
        + (Headers.Count > 0 ? " headers=" + string.Join("; ", Headers.Select(h => $"{h.Name}: {BadInputFuzzTests.Shorten(h.Value, 80)}")) : "")
        + (Body is null ? "" : $" content-type={BadInputFuzzTests.Shorten(ContentType ?? "(none)", 120)} body[{BadInputFuzzTests.Shorten(BodySummary, 300)}]={BadInput.Summarize(Body)}");

    /// <summary>Big enough that the server may answer (413, 414, 431, 415) and close before the client has sent it all.</summary>
    public bool IsLarge =>
        (Body?.Length ?? 0) > 64 * 1024 || Target.Length + (ContentType?.Length ?? 0) + (Authorization?.Length ?? 0) + Headers.Sum(h => h.Value.Length) > 8 * 1024;
}

public sealed record RawRequest(string Route, byte[] Bytes);

/// <summary>
/// What the fuzzer aims at: a user with a ready repository, a finished job whose workspace holds links out of it,
/// created jobs to upload to and to start, cancel and delete, another user's job, and tokens to spend on logout.
/// </summary>
public sealed class FuzzWorld
{
    private FuzzWorld(ApiFactory api, string marker)
    {
        Api = api;
        Marker = marker;
    }

    public ApiFactory Api { get; }

    public string Marker { get; }

    public string Token { get; private set; } = "";

    public string OtherToken { get; private set; } = "";

    public string Username { get; private set; } = "";

    public string Password { get; private set; } = "";

    public string Repository { get; private set; } = "";

    public string OwnRepository { get; private set; } = "";

    public string OwnSource { get; private set; } = "";

    public string WorkspaceJob { get; private set; } = "";

    public string UploadJob { get; private set; } = "";

    public string OtherUsersJob { get; private set; } = "";

    /// <summary>Jobs the fuzzer may start, cancel and delete.</summary>
    public List<string> Disposable { get; } = [];

    public Queue<string> SpareTokens { get; } = new();

    public static async Task<FuzzWorld> SetUpAsync(ApiFactory api, RunningServer server, string marker)
    {
        var world = new FuzzWorld(api, marker);
        var owner = api.Accounts.Add();
        var user = api.Accounts.Add();
        var other = api.Accounts.Add();
        world.Username = user.Username;
        world.Password = user.Password;

        // The shared repository belongs to someone else: the fuzzer's unregister attempts on it are refused (403).
        var ownerClient = await server.LoginAsync(owner);
        var client = await server.LoginAsync(user);
        world.Token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        world.Repository = "fz-main-" + marker[^6..];
        var (source, _) = api.Sources.Create(world.Repository, new Dictionary<string, string>
        {
            ["README.md"] = "# fuzz\n",
            ["src/main.py"] = "print(1)\n",
            ["docs/ünïcødé 📄.md"] = "unicode\n",
            ["space name.txt"] = "spaces\n",
        });
        world.OwnRepository = "fz-own-" + marker[^6..];
        (world.OwnSource, _) = api.Sources.Create(world.OwnRepository);
        (await ownerClient.RegisterAsync(world.Repository, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.RegisterAsync(world.OwnRepository, world.OwnSource)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await ownerClient.WaitForCloneAsync(world.Repository)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        (await client.WaitForCloneAsync(world.OwnRepository)).GetProperty("cloneStatus").GetString().ShouldBe("completed");

        // A finished job whose workspace has links to /etc/shadow, /etc and two levels up.
        world.WorkspaceJob = (await client.RunJobAsync(world.Repository, "scenario: plant-links", gitAware: false)).GetProperty("jobId").GetString()!;
        world.UploadJob = await client.CreateJobAsync(world.Repository, "scenario: instant");
        (await client.UploadTextAsync(world.UploadJob, "notes.txt", "staged")).StatusCode.ShouldBe(HttpStatusCode.OK);
        for (var i = 0; i < 3; i++)
        {
            var job = await client.CreateJobAsync(world.Repository, "scenario: instant", gitAware: false);
            (await client.UploadTextAsync(job, $"{marker}-ok{i}.txt", "staged")).StatusCode.ShouldBe(HttpStatusCode.OK);
            world.Disposable.Add(job);
        }

        var otherClient = await server.LoginAsync(other);
        world.OtherToken = otherClient.DefaultRequestHeaders.Authorization!.Parameter!;
        world.OtherUsersJob = await otherClient.CreateJobAsync(world.Repository, "scenario: instant");

        for (var i = 0; i < 8; i++)
        {
            var spare = await server.LoginAsync(user);
            world.SpareTokens.Enqueue(spare.DefaultRequestHeaders.Authorization!.Parameter!);
        }

        return world;
    }

    /// <summary>Jobs the fuzz created become targets too.</summary>
    public void Observe(FuzzRequest request, Outcome outcome)
    {
        if (request.Route == "POST /jobs" && outcome.Status == 201 && request.AuthKind == "user"
            && JsonDocument.Parse(outcome.Text).RootElement.TryGetProperty("jobId", out var id) && Disposable.Count < 40)
        {
            Disposable.Add(id.GetString()!);
        }
    }
}

/// <summary>Finds files and folders named with the marker, outside the places the server may legitimately put them.</summary>
public sealed class MarkerSweep(ApiFactory api, string marker)
{
    public List<string> Find()
    {
        var found = new List<string>();
        Walk(api.RootPath, 14, found);
        foreach (var top in new[] { Path.GetTempPath(), Path.GetDirectoryName(api.RootPath)!, "/", "/etc", "/var/tmp", "/root", "/home",
                     Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) })
        {
            Walk(top, 1, found);
        }

        Walk(AppContext.BaseDirectory, 4, found);
        Walk(Directory.GetCurrentDirectory(), 2, found);
        return found.Distinct().Where(path => !Allowed(path)).ToList();
    }

    /// <summary>An upload copied into a job's workspace (<c>jobs/&lt;id&gt;/workspace/files/&lt;name&gt;</c>), or a registered repository's folder.</summary>
    private bool Allowed(string path)
    {
        if (path.StartsWith(api.RepositoriesPath + "/", StringComparison.Ordinal))
        {
            return true;
        }

        if (!path.StartsWith(api.JobsPath + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = path[(api.JobsPath.Length + 1)..].Split('/');
        return parts is [var job, "workspace", "files", var name] && Guid.TryParse(job, out _) && name.Contains(marker, StringComparison.Ordinal);
    }

    private void Walk(string directory, int depth, List<string> found)
    {
        if (depth == 0 || string.IsNullOrEmpty(directory))
        {
            return;
        }

        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var entry in entries)
        {
            if (entry.Name.Contains(marker, StringComparison.Ordinal))
            {
                found.Add(entry.FullName);
            }

            if (entry is DirectoryInfo && entry.LinkTarget is null)
            {
                Walk(entry.FullName, depth - 1, found);
            }
        }
    }
}
