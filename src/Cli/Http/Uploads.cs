using System.Net.Http.Headers;
using ClaudeBatch.Application.Files;

namespace ClaudeBatch.Cli.Http;

/// <summary>Uploads local files to a job (<c>POST /jobs/{id}/files</c>, multipart field <c>files</c>), streamed from disk.</summary>
public static class Uploads
{
    /// <summary>Each path must name a readable file; checked before anything is sent, so a typo creates no job.</summary>
    public static void CheckReadable(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw CliFailure.Usage($"No file '{path}'.");
            }
        }
    }

    public static async Task<IReadOnlyList<StagedFile>> UploadAsync(ServerApi api, string jobId, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return [];
        }

        var names = paths.Select(Path.GetFileName).GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (names.Count > 0)
        {
            throw CliFailure.Usage($"Two files are named '{names[0]}'; the job sees uploads by name, so rename one.");
        }

        using var form = new MultipartFormDataContent();
        foreach (var path in paths)
        {
            var content = new StreamContent(File.OpenRead(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "files", Path.GetFileName(path));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{jobId}/files") { Content = form };
        using var response = await api.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<List<StagedFile>>(response.Content, ServerApi.Json, cancellationToken))!;
    }
}
