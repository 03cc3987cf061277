using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClaudeBatch.Cli.Http;

/// <summary>
/// The server's HTTP API with the caller's token. A refusal becomes a <see cref="CliFailure"/> with the ProblemDetails'
/// title and detail (exit 1); no answer, or a token the server does not take, exit 3.
/// </summary>
public sealed class ServerApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly HttpClient http;

    public ServerApi(Uri server, string? token, HttpMessageHandler? handler = null)
    {
        Server = server;
        http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }, disposeHandler: true)
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("cbs", typeof(ServerApi).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Server { get; }

    /// <summary>How long an ordinary request may take (a stream or a download has no limit).</summary>
    public static TimeSpan RequestTimeout { get; } = TimeSpan.FromSeconds(100);

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(Post(path, body), cancellationToken);

    /// <summary>
    /// A POST the server answers once (<c>Idempotency-Key</c>): sent again with the same key when no answer came
    /// (a dropped connection, a timeout), so a job is never created or started twice.
    /// </summary>
    public async Task<T> PostOnceAsync<T>(string path, object? body, CancellationToken cancellationToken)
    {
        var key = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            var request = Post(path, body);
            request.Headers.Add("Idempotency-Key", key);
            try
            {
                return await SendAsync<T>(request, cancellationToken);
            }
            catch (CliFailure e) when (attempt < 3 && e.NoAnswer)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private static HttpRequestMessage Post(string path, object? body) =>
        new(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json) };

    public Task<T> DeleteAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);

    public async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseContentRead, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Sends and checks the answer: the caller disposes the response (and reads its body as a stream if it asked for headers only).</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (completion == HttpCompletionOption.ResponseContentRead)
        {
            timeout.CancelAfter(RequestTimeout);
        }

        try
        {
            response = await http.SendAsync(request, completion, timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable($"no answer within {RequestTimeout.TotalSeconds:0} s");
        }

        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified)
        {
            return response;
        }

        using (response)
        {
            throw await FailureAsync(response, cancellationToken);
        }
    }

    public CliFailure Unreachable(string why) => new(ExitCodes.Unreachable, $"Cannot reach the server at {Server}: {why}") { NoAnswer = true };

    private static async Task<CliFailure> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var problem = await ProblemText.ReadAsync(response, cancellationToken);
        return response.StatusCode == HttpStatusCode.Unauthorized
            ? CliFailure.NotSignedIn($"Not signed in, or the token was revoked or has expired: run cbs login. ({problem})")
            : new CliFailure(ExitCodes.Failed, problem);
    }

    public void Dispose() => http.Dispose();
}
