using System.Net.Http.Headers;
using System.Text;

namespace ClaudeBatch.Integration.Tests.Support;

public static class FileApi
{
    /// <summary>Uploads files in one multipart request (field 'files'), names exactly as given.</summary>
    public static Task<HttpResponseMessage> UploadAsync(this HttpClient client, string jobId, bool? overwrite = null, params (string Name, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue(name.EndsWith(".png") ? "image/png" : "text/plain");
            // Set the header by hand so that names with slashes or dots reach the server exactly as written.
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"files\"", FileName = $"\"{name}\"" };
            form.Add(part);
        }

        return client.PostAsync($"/jobs/{jobId}/files" + (overwrite is null ? "" : $"?overwrite={overwrite.Value.ToString().ToLowerInvariant()}"), form);
    }

    public static Task<HttpResponseMessage> UploadTextAsync(this HttpClient client, string jobId, string name, string text, bool? overwrite = null) =>
        client.UploadAsync(jobId, overwrite, (name, Encoding.UTF8.GetBytes(text)));
}
