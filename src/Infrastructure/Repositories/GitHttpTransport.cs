using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using ClaudeBatch.Application.Repositories;
using LibGit2Sharp;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// libgit2's smart HTTP(S) transport, replaced by one on .NET's HTTP client (registered for the whole process).
/// libgit2 follows a redirect of the first request to any host and LibGit2Sharp offers no way to stop it, nor to
/// choose the address it connects to; here no redirect is followed, each connection goes to an address the
/// session's rule accepted (<see cref="GitNetworkSession"/>), and every failure is recorded as a kind for the
/// user and a detail for the log. Credentials are sent only when the server asks (401), as libgit2 does.
/// </summary>
internal sealed class GitHttpTransport : RpcSmartSubtransport
{
    private static readonly Lazy<bool> Registration = new(() =>
    {
        GlobalSettings.RegisterSmartSubtransport<GitHttpTransport>("http");
        GlobalSettings.RegisterSmartSubtransport<GitHttpTransport>("https");
        return true;
    });

    private AuthenticationHeaderValue? authorization;

    public static void EnsureRegistered() => _ = Registration.Value;

    protected override SmartSubtransportStream Action(string url, GitSmartSubtransportAction action)
    {
        // Outside a session there is no rule to apply: refuse rather than connect unchecked.
        var session = GitNetworkSession.Active ?? throw new InvalidOperationException("A git HTTP request outside a network session.");
        var (path, service, post) = action switch
        {
            GitSmartSubtransportAction.UploadPackList => ("/info/refs?service=git-upload-pack", "git-upload-pack", false),
            GitSmartSubtransportAction.UploadPack => ("/git-upload-pack", "git-upload-pack", true),
            GitSmartSubtransportAction.ReceivePackList => ("/info/refs?service=git-receive-pack", "git-receive-pack", false),
            GitSmartSubtransportAction.ReceivePack => ("/git-receive-pack", "git-receive-pack", true),
            _ => throw new InvalidOperationException($"Unknown git transport action {action}."),
        };
        return new Exchange(this, session, new Uri(url.TrimEnd('/') + path), service, post);
    }

    /// <summary>Asks the operation's credentials callback for a user name and password; false when it has none.</summary>
    private bool AcquireAuthorization()
    {
        try
        {
            if (AcquireCredentials(out var credentials, null!, typeof(UsernamePasswordCredentials)) != 0
                || credentials is not UsernamePasswordCredentials basic)
            {
                return false;
            }

            authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{basic.Password}")));
            return true;
        }
        catch (LibGit2SharpException)
        {
            return false;
        }
    }

    /// <summary>One HTTP request and its response: libgit2 writes the request body, then reads the response.</summary>
    private sealed class Exchange(GitHttpTransport transport, GitNetworkSession session, Uri uri, string service, bool post)
        : SmartSubtransportStream(transport)
    {
        private readonly MemoryStream body = new();
        private readonly byte[] buffer = new byte[64 * 1024];
        private HttpResponseMessage? response;
        private Stream? content;

        public override int Write(Stream dataStream, long length)
        {
            dataStream.CopyTo(body);
            return 0;
        }

        public override int Read(Stream dataStream, long length, out long bytesRead)
        {
            content ??= Open();
            int read;
            try
            {
                read = content.Read(buffer, 0, (int)Math.Min(length, buffer.Length));
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw session.Fail(GitFailure.Unreachable, $"{uri}: {e.Message}");
            }

            dataStream.Write(buffer, 0, read);
            bytesRead = read;
            return 0;
        }

        protected override void Free()
        {
            content?.Dispose();
            response?.Dispose();
            body.Dispose();
            base.Free();
        }

        private Stream Open()
        {
            for (var asked = false; ; asked = true)
            {
                var answer = Send();
                var status = (int)answer.StatusCode;
                if (status is >= 200 and < 300)
                {
                    var type = answer.Content.Headers.ContentType?.MediaType;
                    if (!post && type != $"application/x-{service}-advertisement")
                    {
                        answer.Dispose();
                        throw session.Fail(GitFailure.NotARepository, $"{uri}: HTTP {status} with content type '{type}'");
                    }

                    response = answer;
                    return answer.Content.ReadAsStream(session.Cancellation);
                }

                var location = answer.Headers.Location;
                answer.Dispose();
                if (status == 401 && !asked && transport.authorization is null && transport.AcquireAuthorization())
                {
                    continue;
                }

                throw status switch
                {
                    401 or 403 => session.Fail(GitFailure.AuthenticationFailed, $"{uri}: HTTP {status}"),
                    >= 300 and < 400 => session.Fail(GitFailure.Redirected, $"{uri}: HTTP {status} to {location}"),
                    404 or 410 => session.Fail(GitFailure.NotARepository, $"{uri}: HTTP {status}"),
                    _ => session.Fail(GitFailure.Unreachable, $"{uri}: HTTP {status}"),
                };
            }
        }

        private HttpResponseMessage Send()
        {
            using var request = new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, uri);
            request.Headers.UserAgent.ParseAdd("git/2.0 (claude-batch-server)");
            request.Headers.Pragma.ParseAdd("no-cache");
            request.Headers.Authorization = transport.authorization;
            if (post)
            {
                request.Headers.Accept.ParseAdd($"application/x-{service}-result");
                request.Content = new ByteArrayContent(body.ToArray());
                request.Content.Headers.ContentType = new MediaTypeHeaderValue($"application/x-{service}-request");
            }

            try
            {
                // libgit2 waits on this thread anyway; the request itself runs on the client's own I/O.
                return session.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, session.Cancellation).GetAwaiter().GetResult();
            }
            catch (HttpRequestException e)
            {
                throw session.Fail(GitFailure.Unreachable, $"{uri}: {Describe(e)}");
            }
        }

        private static string Describe(Exception e) =>
            e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
    }
}
