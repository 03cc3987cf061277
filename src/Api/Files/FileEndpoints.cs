using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Api.Nodes;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Domain.Common;
using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ClaudeBatch.Api.Files;

public static class FileEndpoints
{
    /// <summary>Set to <c>true</c> on a listing that was cut at its limit (the body stays the array of entries).</summary>
    public const string TruncatedHeader = "Listing-Truncated";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>RFC 2046's longest multipart boundary.</summary>
    private const int MaxBoundaryLength = 70;

    public static IEndpointRouteBuilder MapFileEndpoints(this IEndpointRouteBuilder app)
    {
        var files = app.MapGroup("/jobs/{jobId:guid}/files").WithTags("Files");

        files.MapPost("/", UploadAsync)
            .OnJobNode()
            .WithSummary("Upload one or more files (multipart field 'files') before the job starts or between its turns; ?overwrite=true replaces a name in use.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<IReadOnlyList<StagedFile>>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .DisableAntiforgery();

        files.MapGet("/staged", async (Guid jobId, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new ListStagedFiles(jobId.ToString(), http.User.Username()), ct)).ToHttp(list => TypedResults.Ok(list)))
            .OnJobNode()
            .WithSummary("The files uploaded to the job.")
            .Produces<IReadOnlyList<StagedFile>>();

        files.MapDelete("/staged/{filename}", async (Guid jobId, string filename, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new RemoveStagedFile(jobId.ToString(), http.User.Username(), filename), ct)).ToHttp(r => TypedResults.Ok(r)))
            .OnJobNode()
            .WithSummary("Remove an uploaded file before the job starts.")
            .Produces<RemoveStagedFile.Response>();

        files.MapGet("/", async (Guid jobId, string? path, int? depth, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new ListWorkspaceFiles(jobId.ToString(), http.User.Username(), path, depth ?? 1), ct))
                    .ToHttp(listing =>
                    {
                        if (listing.Truncated)
                        {
                            http.Response.Headers[TruncatedHeader] = "true";
                        }

                        return TypedResults.Ok(listing.Entries);
                    }))
            .OnJobNode()
            .WithSummary($"Entries of the job's workspace under ?path= (relative), ?depth= levels deep (1–10); a listing cut at its limit says so in {TruncatedHeader}.")
            .Produces<IReadOnlyList<WorkspaceEntry>>();

        files.MapGet("/download", async (Guid jobId, string? path, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new DownloadWorkspaceFile(jobId.ToString(), http.User.Username(), path), ct))
                    .ToHttp(file => TypedResults.File(
                        file.Content,
                        ContentTypes.TryGetContentType(file.Name, out var type) ? type : "application/octet-stream",
                        file.Name,
                        lastModified: file.Modified,
                        enableRangeProcessing: true)))
            .OnJobNode()
            .WithSummary("The bytes of a workspace file; supports Range requests.");

        files.MapGet("/content", async (Guid jobId, string? path, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new ReadWorkspaceFile(jobId.ToString(), http.User.Username(), path), ct)).ToHttp(text => TypedResults.Ok(text)))
            .OnJobNode()
            .WithSummary("The text of a workspace file (415 for binary), cut at Uploads:MaxTextBytes.")
            .Produces<TextContent>()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        return app;
    }

    /// <summary>Reads the multipart body section by section and streams each file to staging: nothing is buffered whole.</summary>
    private static async Task<IResult> UploadAsync(
        Guid jobId, bool? overwrite, HttpContext http, ISender sender, UploadsOptions uploads, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Kestrel's default (30 MB) would cut a legal upload short; allow the job's total plus multipart framing.
            limit.MaxRequestBodySize = uploads.MaxJobBytes + (1 << 20);
        }

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return new DomainError("not-multipart", "Send the files as multipart/form-data in the field 'files'.", ErrorKind.UnsupportedMediaType).ToProblem();
        }

        // RFC 2046 allows at most 70 characters; MultipartReader throws on one longer than its buffer (~4 KB).
        if (boundary.Length > MaxBoundaryLength)
        {
            throw new BadHttpRequestException($"The multipart boundary is longer than {MaxBoundaryLength} characters.");
        }

        var reader = new MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = null };
        var staged = new List<StagedFile>();
        while (await reader.ReadNextSectionOrRejectAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            var result = await sender.Send(
                new StageFile(jobId.ToString(), http.User.Username(), name, section.ContentType ?? "application/octet-stream", section.BodyOrReject(), overwrite ?? false),
                ct);
            if (!result.IsSuccess)
            {
                return result.Error.ToProblem();
            }

            staged.Add(result.Value);
        }

        return staged.Count == 0
            ? DomainError.Invalid("no-files", "The request contained no file; send them in the multipart field 'files'.").ToProblem()
            : TypedResults.Ok(staged);
    }
}
