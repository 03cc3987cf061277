using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Identity;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>
/// Failed logins are limited per (username, client address), so a stranger guessing a user's password locks out only
/// themselves; a higher per-username ceiling still bounds a guess spread over many addresses. The server listens on a
/// real socket: each test's clients connect from addresses of their own in 127/8, and 127.0.0.1 is the known proxy.
/// The forwarded addresses are documentation addresses (198.51.100.0/24), only ever written in a header.
/// </summary>
public sealed class LoginLimitTests(LoginLimitTests.Server server) : IClassFixture<LoginLimitTests.Server>
{
    private const int PerUserAndAddress = 10;
    private const int PerUser = 15;

    [Fact]
    public async Task Ten_wrong_passwords_from_one_address_do_not_stop_the_right_password_from_another()
    {
        var user = server.Api.Accounts.Add();
        var stranger = server.From("127.0.0.11");

        for (var attempt = 0; attempt < PerUserAndAddress; attempt++)
        {
            (await LoginAsync(stranger, user, "guess" + attempt)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var refused = await LoginAsync(stranger, user, user.Password);
        await refused.ShouldBeProblem(HttpStatusCode.TooManyRequests);
        int.Parse(refused.Headers.GetValues("Retry-After").Single()).ShouldBeInRange(1, 60);
        (await LoginAsync(server.From("127.0.0.12"), user, user.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Behind_a_known_proxy_the_limit_keys_on_the_forwarded_client_address()
    {
        var user = server.Api.Accounts.Add();
        var proxy = server.From("127.0.0.1");

        for (var attempt = 0; attempt < PerUserAndAddress; attempt++)
        {
            (await LoginAsync(proxy, user, "guess" + attempt, forwardedFor: "198.51.100.7")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        await (await LoginAsync(proxy, user, user.Password, forwardedFor: "198.51.100.7")).ShouldBeProblem(HttpStatusCode.TooManyRequests);
        var login = await LoginAsync(proxy, user, user.Password, forwardedFor: "198.51.100.8");
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ClientAddressesAsync(user, login)).ShouldBe([.. Enumerable.Repeat("198.51.100.7", PerUserAndAddress), "198.51.100.8"]);
    }

    [Fact]
    public async Task A_forwarded_header_from_an_unknown_proxy_is_ignored()
    {
        var user = server.Api.Accounts.Add();
        var client = server.From("127.0.0.31");

        // Each guess claims another address; the server keeps counting the one the connection comes from.
        for (var attempt = 0; attempt < PerUserAndAddress; attempt++)
        {
            (await LoginAsync(client, user, "guess" + attempt, forwardedFor: $"198.51.100.{attempt + 1}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        await (await LoginAsync(client, user, user.Password, forwardedFor: "198.51.100.99")).ShouldBeProblem(HttpStatusCode.TooManyRequests);
        var login = await LoginAsync(server.From("127.0.0.32"), user, user.Password);
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ClientAddressesAsync(user, login)).ShouldBe([.. Enumerable.Repeat("127.0.0.31", PerUserAndAddress), "127.0.0.32"]);
    }

    [Fact]
    public async Task The_per_username_ceiling_still_bounds_a_guess_spread_over_addresses()
    {
        var user = server.Api.Accounts.Add();

        for (var attempt = 0; attempt < PerUserAndAddress; attempt++)
        {
            (await LoginAsync(server.From("127.0.0.41"), user, "guess" + attempt)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        for (var attempt = PerUserAndAddress; attempt < PerUser; attempt++)
        {
            (await LoginAsync(server.From("127.0.0.42"), user, "guess" + attempt)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        await (await LoginAsync(server.From("127.0.0.43"), user, user.Password)).ShouldBeProblem(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Successful_logins_do_not_count()
    {
        var user = server.Api.Accounts.Add();
        var client = server.From("127.0.0.51");

        for (var login = 0; login < PerUser + 1; login++)
        {
            (await LoginAsync(client, user, user.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await LoginAsync(client, user, "a-guess")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_wrong_password_whose_client_hangs_up_before_the_answer_still_counts_and_is_recorded()
    {
        // A password hash of 2,000,000 rounds takes the server a good part of a second: long enough to hang up during it.
        server.Api.Accounts.Add();
        const string password = "the-right-one";
        var user = server.Api.Accounts.AddWithHash("u" + Guid.NewGuid().ToString("N")[..10], password, SlowHash(password));
        var client = server.From("127.0.0.61");

        for (var attempt = 0; attempt < PerUserAndAddress; attempt++)
        {
            using var hangUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(250));
            await Should.ThrowAsync<TaskCanceledException>(() => client.SendAsync(LoginRequest(user, "guess" + attempt), hangUp.Token));
        }

        // Each abandoned guess is recorded once the server has its verdict, whatever the client did meanwhile.
        var failures = await LoginFailuresAsync(user, PerUserAndAddress);
        failures.ShouldBe(PerUserAndAddress, "every abandoned wrong password is in the account's history");

        // And each kept its place in the limit: the client cannot buy unlimited guesses (and hashes) by hanging up.
        await (await client.SendAsync(LoginRequest(user, password))).ShouldBeProblem(HttpStatusCode.TooManyRequests);
    }

    private static string SlowHash(string password)
    {
        var start = new System.Diagnostics.ProcessStartInfo("mkpasswd") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-m", "sha-512", "-R", "2000000", "--stdin" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.WriteLine(password);
        process.StandardInput.Close();
        var hash = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        hash.ShouldStartWith("$6$rounds=2000000$");
        return hash;
    }

    /// <summary>Waits (up to a minute) until the account's stream holds <paramref name="expected"/> failed logins; the count.</summary>
    private async Task<int> LoginFailuresAsync(TestUser user, int expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var scope = server.Api.Services.CreateScope();
            var stream = await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync(AccountStream.For(user.Username), CancellationToken.None);
            var failures = stream.Count(e => e.Data is LoginFailed);
            if (failures >= expected || DateTime.UtcNow > deadline)
            {
                return failures;
            }

            await Task.Delay(100);
        }
    }

    private static HttpRequestMessage LoginRequest(TestUser user, string password) =>
        new(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { username = user.Username, password }) };

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, TestUser user, string password, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { username = user.Username, password }) };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return client.SendAsync(request);
    }

    /// <summary>The client address the account's history recorded for each login attempt, oldest first.</summary>
    private async Task<List<string?>> ClientAddressesAsync(TestUser user, HttpResponseMessage login)
    {
        var token = (await login.Content.ReadFromJsonAsync<ApiFactory.LoginBody>())!.Token;
        var client = server.From("127.0.0.1");
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var history = JsonDocument.Parse(await client.GetStringAsync("/auth/history")).RootElement;
        return history.EnumerateArray().Select(e => e.GetProperty("data").GetProperty("clientAddress").GetString()).ToList();
    }

    /// <summary>One server for the class, on a real loopback socket, with 127.0.0.1 as its only known proxy.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly List<HttpClient> clients = [];
        private Uri? url;

        public ApiFactory Api { get; } = new ApiFactory()
            .With("Auth:LoginRateLimit:FailuresPerUserAndAddress", PerUserAndAddress.ToString())
            .With("Auth:LoginRateLimit:FailuresPerUser", PerUser.ToString())
            .With("Http:KnownProxies:0", "127.0.0.1");

        public HttpClient From(string address)
        {
            var client = ApiFactory.ClientFrom(url!, IPAddress.Parse(address));
            lock (clients)
            {
                clients.Add(client);
            }

            return client;
        }

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            url = Api.StartOnLoopbackSocket();
        }

        public async Task DisposeAsync()
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            await ((IAsyncLifetime)Api).DisposeAsync();
        }
    }
}
