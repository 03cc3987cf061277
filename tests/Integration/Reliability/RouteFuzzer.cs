using System.Text;

namespace ClaudeBatch.Integration.Tests.Reliability;

/// <summary>
/// One request generator per route of the API (named as the OpenAPI document names them), plus unknown routes and
/// wrong methods. Most requests carry the fuzzing user's valid token, so that bad input reaches the handlers.
/// </summary>
public sealed class RouteFuzzer
{
    private readonly BadInput input;
    private readonly FuzzWorld world;
    private readonly List<(string Route, int Weight, Func<FuzzRequest> Make)> routes;

    public RouteFuzzer(BadInput input, FuzzWorld world)
    {
        this.input = input;
        this.world = world;
        routes =
        [
            ("GET /health", 1, () => Get("GET /health", "/health" + JunkQuery())),
            ("GET /health/ready", 1, () => Get("GET /health/ready", "/health/ready" + JunkQuery())),
            ("GET /health/live", 1, () => Get("GET /health/live", "/health/live" + JunkQuery())),
            ("GET /openapi/v1.json", 1, () => Get("GET /openapi/v1.json", "/openapi/v1.json" + JunkQuery())),
            ("GET /swagger/{file}", 2, Swagger),
            ("POST /auth/login", 8, Login),
            ("POST /auth/logout", 3, Logout),
            ("GET /auth/me", 2, () => Get("GET /auth/me", "/auth/me" + JunkQuery())),
            ("GET /auth/history", 2, () => Get("GET /auth/history", "/auth/history" + JunkQuery())),
            ("POST /auth/tokens", 4, CreateAccessToken),
            ("GET /auth/tokens", 2, () => Get("GET /auth/tokens", Pick("/auth/tokens", "/auth/tokens/") + JunkQuery())),
            ("DELETE /auth/tokens/{id}", 3, RevokeAccessToken),
            ("POST /repositories/register", 8, Register),
            ("GET /repositories", 2, () => Get("GET /repositories", Pick("/repositories", "/repositories/") + JunkQuery())),
            ("GET /repositories/{name}", 4, () => Get("GET /repositories/{name}", $"/repositories/{RepositorySegment()}" + JunkQuery())),
            ("DELETE /repositories/{name}", 3, UnregisterRepository),
            ("POST /repositories/{name}/pull", 3, () => Post("POST /repositories/{name}/pull", $"/repositories/{RepositorySegment()}/pull" + JunkQuery())),
            ("POST /jobs", 10, CreateJob),
            ("GET /jobs", 5, ListJobs),
            ("GET /jobs/{jobId}", 3, () => Get("GET /jobs/{jobId}", $"/jobs/{JobSegment(mutable: false)}" + JunkQuery())),
            ("POST /jobs/{jobId}/start", 3, () => Post("POST /jobs/{jobId}/start", $"/jobs/{JobSegment(mutable: true)}/start" + JunkQuery())),
            ("POST /jobs/{jobId}/cancel", 3, () => Post("POST /jobs/{jobId}/cancel", $"/jobs/{JobSegment(mutable: true)}/cancel" + JunkQuery())),
            ("DELETE /jobs/{jobId}", 2, () => Send("DELETE /jobs/{jobId}", HttpMethod.Delete, $"/jobs/{JobSegment(mutable: true)}" + JunkQuery())),
            ("GET /jobs/{jobId}/events", 3, () => Get("GET /jobs/{jobId}/events", $"/jobs/{JobSegment(mutable: false)}/events" + JunkQuery())),
            ("GET /jobs/{jobId}/history", 4, History),
            ("GET /jobs/{jobId}/diff", 3, Diff),
            ("POST /jobs/{jobId}/push", 3, Push),
            ("POST /jobs/{jobId}/prompts", 3, FollowUp),
            ("GET /jobs/{jobId}/stream", 4, Stream),
            ("POST /jobs/{jobId}/files", 10, Upload),
            ("GET /jobs/{jobId}/files/staged", 2, () => Get("GET /jobs/{jobId}/files/staged", $"/jobs/{JobSegment(mutable: false)}/files/staged" + JunkQuery())),
            ("DELETE /jobs/{jobId}/files/staged/{filename}", 4, RemoveStaged),
            ("GET /jobs/{jobId}/files", 5, () => WorkspaceRead("GET /jobs/{jobId}/files", "", withDepth: true)),
            ("GET /jobs/{jobId}/files/download", 5, () => WorkspaceRead("GET /jobs/{jobId}/files/download", "/download", withDepth: false)),
            ("GET /jobs/{jobId}/files/content", 5, () => WorkspaceRead("GET /jobs/{jobId}/files/content", "/content", withDepth: false)),
            ("POST /webhooks", 6, CreateWebhook),
            ("GET /webhooks", 2, () => Get("GET /webhooks", Pick("/webhooks", "/webhooks/") + JunkQuery())),
            ("DELETE /webhooks/{id}", 2, () => Send("DELETE /webhooks/{id}", HttpMethod.Delete, $"/webhooks/{WebhookSegment()}" + JunkQuery())),
            ("GET /webhooks/{id}/deliveries", 2, () => Get("GET /webhooks/{id}/deliveries", $"/webhooks/{WebhookSegment()}/deliveries" + JunkQuery())),
            ("GET /metrics", 1, () => Get("GET /metrics", "/metrics" + JunkQuery())),
            ("GET /stats", 1, () => Get("GET /stats", Pick("/stats", "/stats/") + JunkQuery())),
            ("ANY /{unknown}", 3, Unknown),
            ("WRONG METHOD", 3, WrongMethod),
        ];
        Routes = routes.Select(r => r.Route).ToHashSet();
    }

    public IReadOnlySet<string> Routes { get; }

    public IEnumerable<FuzzRequest> OneOfEach() => routes.Select(r => r.Make());

    public IEnumerable<FuzzRequest> Endless()
    {
        var total = routes.Sum(r => r.Weight);
        while (true)
        {
            var pick = input.Random.Next(total);
            foreach (var (_, weight, make) in routes)
            {
                if ((pick -= weight) < 0)
                {
                    yield return make();
                    break;
                }
            }
        }
    }

    // ---- auth ----

    private (string Kind, string? Header) Auth()
    {
        var roll = input.Random.Next(100);
        if (roll < 84)
        {
            return ("user", "Bearer " + world.Token);
        }

        if (roll < 88)
        {
            return ("other user", "Bearer " + world.OtherToken);
        }

        if (roll < 91)
        {
            return ("none", null);
        }

        return ("garbage", GarbageAuthorization());
    }

    /// <summary>Malformed, forged or truncated credentials (and one valid token with a lower-case scheme, unless for logout).</summary>
    private string GarbageAuthorization(bool forLogout = false)
    {
        var token = world.Token;
        var variant = input.Random.Next(13);
        return (forLogout && variant == 9 ? 2 : variant) switch
        {
            0 => "Bearer",
            1 => "Bearer ",
            2 => "Bearer x.y.z",
            3 => "Bearer " + new string('a', 20_000),
            4 => "Basic Zm9vOmJhcg==",
            5 => "Bearer " + token[..^2] + (token[^1] == 'A' ? "BB" : "AA"),
            6 => "Bearer " + UnsignedToken(),
            7 => "Bearer " + token + "." + token,
            8 => "Bearer " + token[..(token.Length / 2)],
            9 => "bearer " + token,
            10 => "Bearer " + string.Join('.', token.Split('.').Reverse()),
            11 => "Bearer cbs_" + Pick("", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "../../../etc/passwd", new string('A', 5000), "%00" + token),
            _ => "Bearer ../../../etc/passwd",
        };
    }

    private static string UnsignedToken()
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64("{\"sub\":\"root\",\"jti\":\"x\",\"exp\":9999999999,\"iss\":\"claude-batch-server\",\"aud\":\"claude-batch-server\"}") + ".";
    }

    // ---- building blocks ----

    private FuzzRequest Send(string route, HttpMethod method, string target, byte[]? body = null, string? contentType = null, string summary = "",
        (string Kind, string? Header)? auth = null, IReadOnlyList<(string, string)>? headers = null)
    {
        var (kind, header) = auth ?? Auth();
        if (body is null && contentType is null && method != HttpMethod.Get && input.Chance(0.15))
        {
            // A body nobody asked for.
            (body, summary) = input.MaybeBreak(input.HostileJsonValue());
            contentType = input.JsonContentType();
        }

        return new FuzzRequest(route, method, target, body, contentType, summary, kind, header, headers ?? JunkHeaders());
    }

    private FuzzRequest Get(string route, string target, IReadOnlyList<(string, string)>? headers = null) =>
        Send(route, HttpMethod.Get, target, headers: headers);

    private FuzzRequest Post(string route, string target) => Send(route, HttpMethod.Post, target);

    private FuzzRequest Json(string route, string target, IReadOnlyList<(string Name, Func<string> Valid)> fields, (string Kind, string? Header)? auth = null)
    {
        var (body, summary) = input.MaybeBreak(input.JsonObject(fields));
        return Send(route, HttpMethod.Post, target, body, input.JsonContentType(), summary, auth);
    }

    private string Pick(params string[] options) => input.Pick(options);

    private string JunkQuery() => input.Random.Next(6) switch
    {
        0 => $"?{input.HostileQueryValue()}={input.HostileQueryValue()}",
        1 => "?" + Pick("%00", "a=1&a=2&a=3", "&&&", "=", "a", "%zz=%zz", "page=-1", new string('q', 3000) + "=1"),
        _ => "",
    };

    private IReadOnlyList<(string, string)> JunkHeaders()
    {
        if (!input.Chance(0.1))
        {
            return [];
        }

        return input.Random.Next(8) switch
        {
            0 => [("Accept", Pick("application/xml", "text/html", "*/*;q=abc", "application/problem+json", ""))],
            1 => [("X-Forwarded-For", Pick("../../etc", "999.999.999.999", new string('1', 5000), "::ffff:127.0.0.1, evil"))],
            2 => [("Accept-Language", Pick("xx-INVALID", "*;q=2", ";;;"))],
            3 => [("Range", Pick("bytes=0-0", "bytes=-1", "bytes=99999999999999999999-", "bytes=5-2", "items=0-1", "bytes=0-1,2-3,4-5"))],
            4 => [("If-Modified-Since", Pick("yesterday", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"))],
            5 => [("Accept-Encoding", Pick("gzip;q=-1", "br, zstd, compress, bogus", new string('x', 1000)))],
            6 => [("Content-Encoding", Pick("gzip", "br", "bogus"))],
            _ => [("X-" + input.Marker, Pick("\t", "a\tb", new string('v', 8000)))],
        };
    }

    // ---- segments and values ----

    private string JobSegment(bool mutable)
    {
        var roll = input.Random.Next(100);
        string id;
        if (roll < 10)
        {
            return input.HostileSegment();
        }

        if (roll < 18)
        {
            id = Guid.NewGuid().ToString();
        }
        else if (roll < 25)
        {
            id = world.OtherUsersJob;
        }
        else if (mutable)
        {
            id = roll < 30 ? world.WorkspaceJob : input.Pick(world.Disposable);
        }
        else
        {
            id = roll < 55 ? world.WorkspaceJob : roll < 75 ? world.UploadJob : input.Pick(world.Disposable);
        }

        return input.Random.Next(10) switch
        {
            0 => id.ToUpperInvariant(),
            1 => Guid.Parse(id).ToString("N"),
            2 => "%7B" + id + "%7D",
            3 => Guid.Empty.ToString(),
            4 => id + Pick("%00", "%20", "/", "/.", "%2F..", ";x", "..", "~"),
            _ => id,
        };
    }

    private string RepositorySegment() => input.Random.Next(10) switch
    {
        0 or 1 => world.Repository,
        2 => world.OwnRepository,
        3 => input.Marked(),
        _ => input.HostileSegment(),
    };

    private string RepositoryName() => input.Random.Next(6) switch
    {
        0 or 1 or 2 => input.Marked(),
        3 => world.Repository,
        4 => world.OwnRepository,
        _ => "a" + new string('b', 99),
    };

    private string GitUrl()
    {
        var m = input.Marked();
        var sources = world.Api.Sources.Root;
        return input.Random.Next(20) switch
        {
            < 5 => world.OwnSource,
            < 8 => $"https://127.0.0.1:1/{m}.git",
            8 => "/etc",
            9 => "file:///etc/passwd",
            10 => $"{sources}/../../{m}",
            11 => $"file://{sources}/%2e%2e/%2e%2e/etc",
            12 => $"file://{sources}/a%00b",
            13 => $"file://{sources}/%2F%2E%2E%2F%2E%2E",
            14 => $"ssh://-oProxyCommand=touch%20/tmp/{m}/x",
            15 => "http://user:pa%00ss@127.0.0.1:1/x.git",
            16 => $"ext::sh -c touch% /tmp/{m}",
            17 => "https://[::1",
            18 => $"file://{sources}/{Uri.EscapeDataString(BadInput.SafeForUri(input.OddUnicode()))}",
            _ => "https://127.0.0.1:1/" + new string('p', 3000),
        };
    }

    /// <summary>
    /// Webhook targets: only loopback, private and metadata addresses or malformed URLs, all refused by the fuzzed server
    /// (<c>Webhooks:AllowPrivateTargets</c> is off) before any lookup, so no subscription exists and nothing is sent.
    /// </summary>
    private string WebhookUrl()
    {
        var m = input.Marked();
        return input.Random.Next(12) switch
        {
            < 3 => $"http://127.0.0.1:1/{m}",
            3 => "http://localhost:1/hook",
            4 => "http://169.254.169.254/latest/meta-data",
            5 => "https://[::1]:1/hook",
            6 => "http://10.0.0.1:1/hook",
            7 => "http://user:pass@127.0.0.1:1/hook",
            8 => $"file:///tmp/{m}",
            9 => "https://[::1",
            10 => "http://127.0.0.1:1/" + new string('p', 3000),
            _ => $"ftp://127.0.0.1/{m}",
        };
    }

    private string WebhookSegment() => input.Random.Next(4) switch
    {
        0 => $"{input.Random.Next():x8}{input.Random.Next():x8}{input.Random.Next():x8}{input.Random.Next():x8}",
        1 => input.Marked(),
        _ => input.HostileSegment(),
    };

    private FuzzRequest CreateWebhook() => Json("POST /webhooks", Pick("/webhooks", "/webhooks/") + JunkQuery(),
    [
        ("url", () => input.JsonString(WebhookUrl())),
        ("events", () => Pick("[\"job.completed\"]", "[\"repository.cloned\",\"job.failed\"]", "[]", "[\"job.exploded\"]", "[null]", "[\"job.completed\",1]")),
    ]);

    // ---- routes ----

    private FuzzRequest Swagger()
    {
        var file = input.Random.Next(3) == 0
            ? input.HostileSegment()
            : Pick("index.html", "index.js", "swagger-ui.css", "..%2f..%2fappsettings.json", "%2e%2e/%2e%2e/etc/passwd", "../appsettings.json",
                "index.html%00.js", "swagger-ui-bundle.js.map", "./index.html", "%2e/index.html", "", "index.html/..", "..\\..\\appsettings.json");
        return Get("GET /swagger/{file}", "/swagger/" + file + JunkQuery());
    }

    private FuzzRequest Login()
    {
        var auth = input.Chance(0.8) ? ("none", (string?)null) : Auth();
        return Json("POST /auth/login", "/auth/login",
        [
            ("username", () => input.JsonString(Pick(world.Username, world.Username, "root", "nobody", "a"))),
            ("password", () => input.JsonString(Pick(world.Password, "wrong", "x"))),
        ], auth);
    }

    private FuzzRequest Logout()
    {
        var roll = input.Random.Next(10);
        (string, string?) auth = roll < 4 && world.SpareTokens.Count > 0 ? ("spare token", "Bearer " + world.SpareTokens.Dequeue())
            : roll < 7 ? ("garbage", GarbageAuthorization(forLogout: true))
            : roll < 8 ? ("none", null)
            : ("other user", "Bearer " + world.OtherToken + "x");
        return Send("POST /auth/logout", HttpMethod.Post, "/auth/logout" + JunkQuery(), auth: auth);
    }

    private FuzzRequest CreateAccessToken() => Json("POST /auth/tokens", "/auth/tokens" + JunkQuery(),
    [
        ("name", () => input.JsonString(Pick("ci", input.Marker, input.OddUnicode(), new string('n', 101)))),
        ("expiresInDays", () => Pick("1", "90", "0", "91", "-1", "2147483648", "1.5", "\"30\"", "null")),
    ]);

    private FuzzRequest RevokeAccessToken()
    {
        var id = input.Random.Next(4) switch
        {
            0 => input.HostileSegment(),
            1 => Guid.NewGuid().ToString("N"),
            2 => input.Marked(),
            _ => new string('f', 300),
        };
        return Send("DELETE /auth/tokens/{id}", HttpMethod.Delete, $"/auth/tokens/{id}" + JunkQuery());
    }

    private FuzzRequest Register() => Json("POST /repositories/register", "/repositories/register" + JunkQuery(),
    [
        ("name", () => input.JsonString(RepositoryName())),
        ("gitUrl", () => input.JsonString(GitUrl())),
        ("description", () => input.JsonString(Pick("", "a repository", input.Marker))),
        ("cidxAware", () => Pick("false", "false", "true")),
    ]);

    private FuzzRequest UnregisterRepository()
    {
        var force = input.Random.Next(4) switch
        {
            0 => "",
            1 => "?force=" + Pick("true", "false", "yes", "1", "", "TRUE", "null"),
            2 => "?force=" + input.HostileQueryValue(),
            _ => "?force=false",
        };
        return Send("DELETE /repositories/{name}", HttpMethod.Delete, $"/repositories/{RepositorySegment()}{force}");
    }

    private FuzzRequest CreateJob()
    {
        IReadOnlyList<(string Name, Func<string> Valid)> options =
        [
            ("timeout", () => Pick("60", "1", "3600")),
            ("gitAware", () => Pick("false", "true")),
            ("cidxAware", () => "false"),
            ("model", () => input.JsonString(Pick("claude-fake-1", "sonnet", "claude-3-5-sonnet-20241022[1m]"))),
            ("maxTurns", () => Pick("5", "1", "1000")),
        ];
        return Json("POST /jobs", Pick("/jobs", "/jobs/") + JunkQuery(),
        [
            ("prompt", () => input.JsonString(Pick("scenario: instant", "scenario: instant\n" + input.OddUnicode(), "scenario: instant\n{{filename}} " + input.Marker))),
            ("repository", () => input.JsonString(world.Repository)),
            ("images", () => Pick("[]", "[\"notes.txt\"]", $"[{input.JsonString(input.Marked(".png"))}]")),
            ("options", () => input.Chance(0.5) ? "{\"timeout\":60,\"gitAware\":false,\"cidxAware\":false}" : input.JsonObject(options)),
        ]);
    }

    private FuzzRequest ListJobs()
    {
        var parameters = new List<string>();
        if (input.Chance(0.6))
        {
            parameters.Add("status=" + (input.Chance(0.3) ? input.HostileQueryValue()
                : Pick("created", "running", "git_failed", "GIT_FAILED", "gitfailed", "Completed", "bogus", "", "1", "-1", "99", "created,running", "%20running", "Queued%00")));
        }

        if (input.Chance(0.6))
        {
            parameters.Add("page=" + IntLike());
        }

        if (input.Chance(0.6))
        {
            parameters.Add("pageSize=" + Pick(IntLike(), "999999", "500", "501", "1"));
        }

        if (input.Chance(0.1))
        {
            parameters.Add(parameters.Count > 0 ? parameters[0] : "page=1");
        }

        return Get("GET /jobs", Pick("/jobs", "/jobs/") + (parameters.Count > 0 ? "?" + string.Join("&", parameters) : ""));
    }

    private string IntLike() => Pick(
        "-1", "0", "1", "2", "2147483647", "2147483648", "-2147483648", "4294967297", "99999999999999999999", "abc", "1.5", "1e3", "", "%00",
        "0x10", "+5", " 7", "١", "NaN", "4294967", "8589935");

    private FuzzRequest History()
    {
        var at = input.Random.Next(4) switch
        {
            0 => "?at=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(input.Random.Next(-60, 60)).ToString("O")),
            1 => "",
            2 => "?at=" + input.HostileQueryValue(),
            _ => "?at=" + Pick(
                "bogus", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00", "2024-02-30T00:00:00Z", "now", "0",
                "1700000000", "2024-01-01", "%2B275760-09-13T00:00:00Z", "2024-01-01T25:00:00Z", "-0001-01-01T00:00:00Z", "2024-01-01T00:00:00Z&at=bogus"),
        };
        return Get("GET /jobs/{jobId}/history", $"/jobs/{JobSegment(mutable: false)}/history{at}");
    }

    private FuzzRequest Diff()
    {
        var format = input.Random.Next(4) switch
        {
            0 => "",
            1 => "?format=" + input.HostileQueryValue(),
            2 => "?format=" + Pick("stat", "unified", "STAT", "", "html", "stat&format=unified", "%00"),
            _ => "?format=stat",
        };
        return Get("GET /jobs/{jobId}/diff", $"/jobs/{JobSegment(mutable: false)}/diff{format}");
    }

    private FuzzRequest FollowUp() =>
        Json("POST /jobs/{jobId}/prompts", $"/jobs/{JobSegment(mutable: true)}/prompts" + JunkQuery(),
        [
            ("prompt", () => input.JsonString(Pick("scenario: instant", "scenario: instant\n" + input.OddUnicode(), "scenario: instant\n{{filename}} " + input.Marker))),
        ]);

    private FuzzRequest Push() =>
        Json("POST /jobs/{jobId}/push", $"/jobs/{JobSegment(mutable: true)}/push" + JunkQuery(),
        [
            ("branch", () => input.JsonString(Pick("fuzz/" + input.Marker, "a..b", "x.lock", "-x", "HEAD", "a@{1}", "", "trailing/", input.OddUnicode()))),
            ("message", () => input.JsonString(Pick("fuzzed", "", input.OddUnicode(), input.Marker))),
            ("force", () => Pick("true", "false", "null", "1", "\"yes\"")),
        ]);

    private FuzzRequest Stream()
    {
        var lastEventId = Pick("0", "1", "5", "-1", "abc", "99999999999999999999", "9223372036854775807", "9223372036854775808", "1.0", " 1", "1e3", "", "0x1", "+1");
        var roll = input.Random.Next(4);
        var query = roll == 1 ? "?lastEventId=" + Pick(lastEventId, input.HostileQueryValue()) : "";
        IReadOnlyList<(string, string)> headers = roll is 2 or 3 ? [("Last-Event-ID", lastEventId)] : [];
        return Get("GET /jobs/{jobId}/stream", $"/jobs/{JobSegment(mutable: false)}/stream{query}", headers);
    }

    private FuzzRequest RemoveStaged()
    {
        var filename = input.Random.Next(5) switch
        {
            0 => Pick("notes.txt", $"{input.Marker}-ok0.txt", $"{input.Marker}-ok1.txt", "missing.txt"),
            _ => input.HostileSegment(),
        };
        var job = input.Chance(0.5) ? Pick(world.UploadJob, input.Pick(world.Disposable)) : JobSegment(mutable: false);
        return Send("DELETE /jobs/{jobId}/files/staged/{filename}", HttpMethod.Delete, $"/jobs/{job}/files/staged/{filename}");
    }

    private FuzzRequest WorkspaceRead(string route, string suffix, bool withDepth)
    {
        var parameters = new List<string>();
        if (input.Chance(0.85))
        {
            parameters.Add("path=" + (input.Chance(0.35) ? input.HostileQueryValue() : Pick(
                "src/main.py", "notes.md", "bin.dat", "link-shadow", "link-up", "link-up/README.md", "dir-out", "dir-out/passwd", "link-inside",
                "..%2F..%2F..%2Fetc%2Fpasswd", "../../../etc/passwd", "%2Fetc%2Fpasswd", "/etc/passwd", "%252e%252e%252fetc", "src/../../x",
                "~/.ssh/id_rsa", "", ".", "./", "//etc/passwd", "src%5C..%5C..", "README.md%00.png", "docs", "docs%2F%C3%BCn%C3%AFc%C3%B8d%C3%A9%20%F0%9F%93%84.md",
                "space%20name.txt", "src/main.py/", "src//main.py", "files", "." + input.Marker, new string('a', 5000), "%C0%AE%C0%AE%2F", "a%2F..%2F..")));
        }

        if (withDepth && input.Chance(0.6))
        {
            parameters.Add("depth=" + IntLike());
        }

        var job = input.Chance(0.6) ? world.WorkspaceJob : JobSegment(mutable: false);
        var headers = suffix == "/download" && input.Chance(0.3)
            ? [("Range", Pick("bytes=0-0", "bytes=-1", "bytes=99999999999999999999-", "bytes=5-2", "bytes=0-1,2-3", "items=1-2"))]
            : JunkHeaders();
        return Get(route, $"/jobs/{job}/files{suffix}" + (parameters.Count > 0 ? "?" + string.Join("&", parameters) : ""), headers);
    }

    private FuzzRequest Unknown()
    {
        var method = input.Pick([HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch]);
        var target = input.Random.Next(5) switch
        {
            0 => "/" + input.HostileSegment(),
            1 => $"/jobs/{JobSegment(mutable: false)}/{input.HostileSegment()}",
            2 => $"/repositories/{input.HostileSegment()}/{input.HostileSegment()}",
            3 => $"/jobs/{JobSegment(mutable: false)}/files/{input.HostileSegment()}/{input.HostileSegment()}",
            _ => "/" + string.Join('/', Enumerable.Range(0, 1 + input.Random.Next(40)).Select(_ => Pick("..", ".", "%2e%2e", "a", "", "jobs"))),
        };
        return Send("ANY /{unknown}", method, target);
    }

    private FuzzRequest WrongMethod()
    {
        var path = Pick(
            "/auth/login", "/auth/logout", "/auth/me", "/repositories/register", "/repositories", $"/repositories/{world.Repository}", "/jobs",
            $"/jobs/{world.WorkspaceJob}", $"/jobs/{world.UploadJob}/start", $"/jobs/{world.WorkspaceJob}/files", $"/jobs/{world.WorkspaceJob}/stream",
            "/health/live", $"/jobs/{world.UploadJob}/files/staged/notes.txt");
        var method = input.Pick([HttpMethod.Put, HttpMethod.Patch, HttpMethod.Head, HttpMethod.Options, HttpMethod.Trace, new HttpMethod("PROPFIND"), new HttpMethod("FUZZ"), HttpMethod.Get, HttpMethod.Post]);
        // The right method on logout would spend the fuzzing user's token.
        return Send("WRONG METHOD", path == "/auth/logout" && method == HttpMethod.Post ? HttpMethod.Put : method, path);
    }

    // ---- uploads ----

    private FuzzRequest Upload()
    {
        var job = input.Random.Next(10) switch
        {
            < 5 => world.UploadJob,
            < 7 => input.Pick(world.Disposable),
            7 => world.WorkspaceJob,
            _ => JobSegment(mutable: false),
        };
        var overwrite = input.Random.Next(4) switch
        {
            0 => "?overwrite=" + Pick("true", "false", "yes", "1", "", "TRUE", "%00", "null"),
            1 => "?overwrite=true",
            _ => "",
        };

        var boundary = input.Random.Next(8) switch
        {
            0 => new string('b', 200),
            1 => "----WebKitFormBoundary7MA4YWxkTrZu0gW",
            2 => "\"quoted boundary\"",
            _ => "fuzz" + input.Random.Next(1_000_000),
        };
        var bare = boundary.Trim('"');
        var body = new List<byte>();
        void Text(string text) => body.AddRange(Encoding.UTF8.GetBytes(text));
        var names = new List<string>();
        var parts = 1 + (input.Chance(0.2) ? input.Random.Next(3) : 0);
        for (var i = 0; i < parts; i++)
        {
            var name = input.Random.Next(10) switch
            {
                < 6 => input.HostileName(),
                < 9 => input.Marked(Pick(".txt", ".png", ".md", "")),
                _ => input.OddUnicode() + input.Marked(),
            };
            names.Add(name);
            Text($"--{bare}\r\n");
            var disposition = input.Random.Next(8);
            Text("Content-Disposition: form-data; name=\"files\"");
            switch (disposition)
            {
                case 0:
                    Text("; filename*=UTF-8''" + Uri.EscapeDataString(BadInput.SafeForUri(name)));
                    break;
                case 1:
                    Text("; filename=\"decoy.txt\"; filename*=UTF-8''" + Uri.EscapeDataString(BadInput.SafeForUri(name)));
                    break;
                case 2:
                    Text("; filename=");
                    body.AddRange(BadInput.RawBytes(name));
                    break;
                case 3:
                    break;
                default:
                    Text("; filename=\"");
                    body.AddRange(BadInput.RawBytes(name));
                    Text("\"");
                    break;
            }

            Text("\r\n");
            if (input.Chance(0.8))
            {
                Text("Content-Type: ");
                body.AddRange(BadInput.RawBytes(input.Chance(0.75) ? Pick("text/plain", "image/png", "application/octet-stream")
                    : Pick("a\0b", "text/plain; charset=\u202E", new string('t', 5000), "😀/😀", "", "../../etc", $"text/{input.Marker}\uD800")));
                Text("\r\n");
            }

            Text("\r\n");
            body.AddRange(input.Chance(0.03) ? new byte[(1 << 20) + 1] : Encoding.UTF8.GetBytes("content of " + input.Marker + "\n"));
            Text("\r\n");
        }

        Text($"--{bare}--\r\n");
        var bytes = body.ToArray();
        var contentType = $"multipart/form-data; boundary={boundary}";
        var summary = "multipart " + string.Join(" | ", names.Select(n => BadInputFuzzTests.Shorten(n, 60)));
        if (input.Chance(0.3))
        {
            switch (input.Random.Next(10))
            {
                case 0:
                    bytes = bytes[..input.Random.Next(bytes.Length)];
                    summary += " (truncated)";
                    break;
                case 1:
                    bytes = bytes[..^($"--{bare}--\r\n".Length)];
                    summary += " (no closing boundary)";
                    break;
                case 2:
                    bytes = BadInput.Concat(Encoding.UTF8.GetBytes($"--{bare}\r\nX-Long: {new string('h', 20_000)}\r\n"), bytes);
                    summary += " (20 kB header line)";
                    break;
                case 3:
                    bytes = BadInput.Concat(Encoding.UTF8.GetBytes($"--{bare}\r\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"X-H{i}: v\r\n")) + "\r\nx\r\n"), bytes);
                    summary += " (30 headers)";
                    break;
                case 4:
                    contentType = "multipart/form-data; boundary=other";
                    summary += " (wrong boundary)";
                    break;
                case 5:
                    contentType = Pick("multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"", "multipart/mixed; boundary=" + bare, "application/json", "");
                    summary += " (content type " + contentType + ")";
                    break;
                case 6:
                    bytes = [];
                    summary += " (empty)";
                    break;
                case 7:
                    bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal));
                    summary += " (LF only)";
                    break;
                case 8:
                    bytes = BadInput.Concat(Encoding.UTF8.GetBytes($"--{bare}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x\r\n\r\n"), bytes);
                    summary += " (unterminated quote)";
                    break;
                default:
                    contentType = $"multipart/form-data; boundary={new string('z', 100_000)}";
                    summary += " (100 kB boundary)";
                    break;
            }
        }

        return Send("POST /jobs/{jobId}/files", HttpMethod.Post, $"/jobs/{job}/files{overwrite}", bytes, contentType, summary);
    }

    // ---- raw ----

    /// <summary>What HttpClient refuses to send: raw NUL and invalid UTF-8 in the target, odd framing, non-ASCII headers.</summary>
    public IEnumerable<RawRequest> RawRequests()
    {
        var auth = "Authorization: Bearer " + world.Token + "\r\n";
        byte[] Raw(string start, string headers = "", string body = "") =>
            BadInput.Concat(Encoding.Latin1.GetBytes(start), Encoding.UTF8.GetBytes($" HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}{headers}Connection: close\r\n\r\n{body}"));
        byte[] WithBytes(string before, byte[] raw, string after) =>
            BadInput.Concat(Encoding.UTF8.GetBytes(before), raw, Encoding.UTF8.GetBytes($"{after} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"));

        var ws = world.WorkspaceJob;
        yield return new RawRequest("RAW NUL in segment", WithBytes("GET /repositories/a", [0], "b"));
        yield return new RawRequest("RAW invalid UTF-8 in segment", WithBytes("GET /repositories/", [0xFF, 0xFE, 0xC0, 0xAF], ""));
        yield return new RawRequest("RAW overlong dots", Raw("GET /jobs/%C0%AE%C0%AE/%C0%AE%C0%AE/etc/passwd"));
        yield return new RawRequest("RAW dot segments", Raw("GET /../../../etc/passwd"));
        yield return new RawRequest("RAW dots in query", Raw($"GET /jobs/{ws}/files/download?path=../../../etc/passwd"));
        yield return new RawRequest("RAW invalid UTF-8 in query", WithBytes($"GET /jobs/{ws}/files/content?path=", [0xFF, 0xED, 0xA0, 0x80], ""));
        yield return new RawRequest("RAW invalid UTF-8 in status", WithBytes("GET /jobs?status=", [0xC0, 0xAF], ""));
        yield return new RawRequest("RAW NUL in header", BadInput.Concat(Encoding.UTF8.GetBytes($"GET /auth/me HTTP/1.1\r\nHost: x\r\n{auth}X-A: a"), [0], Encoding.UTF8.GetBytes("b\r\nConnection: close\r\n\r\n")));
        yield return new RawRequest("RAW UTF-8 token", Raw("GET /auth/me", "X-Note: é\r\n"));
        yield return new RawRequest("RAW UTF-8 Last-Event-ID", Raw($"GET /jobs/{ws}/stream", "Last-Event-ID: ١٢\r\n"));
        yield return new RawRequest("RAW negative Content-Length", Raw("POST /auth/login", "Content-Type: application/json\r\nContent-Length: -1\r\n"));
        yield return new RawRequest("RAW huge Content-Length", Raw("POST /auth/login", "Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n"));
        yield return new RawRequest("RAW bad chunk", Raw("POST /jobs", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"));
        yield return new RawRequest("RAW chunked and length", Raw("POST /jobs", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n", "2\r\n{}\r\n0\r\n\r\n"));
        yield return new RawRequest("RAW long request line", Raw("GET /repositories/" + new string('a', 10_000)));
        yield return new RawRequest("RAW absolute form", Raw("GET http://evil.example/auth/me"));
        yield return new RawRequest("RAW asterisk", Raw("GET *"));
        yield return new RawRequest("RAW HTTP/1.0 without host", Encoding.UTF8.GetBytes("GET /auth/me HTTP/1.0\r\n\r\n"));
        yield return new RawRequest("RAW 40 kB header", Raw("GET /auth/me", $"X-Big: {new string('x', 40_000)}\r\n"));
        yield return new RawRequest("RAW bare LF", Encoding.UTF8.GetBytes($"GET /auth/me HTTP/1.1\nHost: x\n{auth.TrimEnd('\r', '\n')}\nConnection: close\n\n"));
        var multipart = BadInput.Concat(
            Encoding.UTF8.GetBytes("--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\""),
            [0xC0, 0xAE, 0xC0, 0xAE, 0x2F, 0xC0, 0xAE, 0xC0, 0xAE, 0x2F],
            Encoding.UTF8.GetBytes(input.Marker + "\"\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n"));
        yield return new RawRequest("RAW multipart raw name", BadInput.Concat(
            Encoding.UTF8.GetBytes(
                $"POST /jobs/{world.UploadJob}/files HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n"
                + $"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {multipart.Length}\r\n\r\n"),
            multipart));
    }
}
