using ClaudeBatch.Application.Common;
using ClaudeBatch.Api.Idempotency;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ClaudeBatch.Api.OpenApi;

/// <summary>
/// What the route declarations leave out of the OpenAPI document, added for every route alike: the answers every
/// authenticated route can give (401, 403), the <c>Idempotency-Key</c> header where it is taken, the upload's field,
/// the stream's media type, no token for anonymous routes, optional request fields optional, and the health routes.
/// </summary>
internal static class OpenApiConventions
{
    public static Task Operation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
        }
        else
        {
            Answer(operation, "401", "No valid token: missing, expired, revoked or malformed.");
            Answer(operation, "403", "The account may not use the server now (locked, expired or removed).");
        }

        if (context.Description.ParameterDescriptions.Any(p => p.Name is "jobId" or "name"))
        {
            Answer(operation, "404", "Not found, or not the caller's.");
        }

        if (metadata.OfType<IdempotentEndpoint>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyFilter.KeyHeader,
                In = ParameterLocation.Header,
                Required = false,
                Description = "Send the request again safely: the same key with the same request within 24 h answers the first response (Idempotent-Replayed: true).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyFilter.MaxKeyLength },
            });
            Answer(operation, "409", "A request with this Idempotency-Key is still being answered.");
            Answer(operation, "422", "This Idempotency-Key was used for another request.");
        }

        // As declared, constraints left out: "jobs/{jobId}/files".
        var route = System.Text.RegularExpressions.Regex.Replace(context.Description.RelativePath ?? "", ":[a-z]+}", "}").TrimEnd('/');
        if (route == "jobs/{jobId}/files" && context.Description.HttpMethod == "POST")
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "files" },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["files"] = new OpenApiSchema
                                {
                                    Type = JsonSchemaType.Array,
                                    Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                },
                            },
                        },
                    },
                },
            };
        }

        if (route == "jobs/{jobId}/stream" && operation.Responses.TryGetValue("200", out var stream) && stream is OpenApiResponse streamed)
        {
            streamed.Description = "Server-Sent Events: every event of the job, then live ones, until it ends; resumable with Last-Event-ID.";
            streamed.Content = new Dictionary<string, OpenApiMediaType> { ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } };
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Request bodies: every field of the API's request records may be left out (they are all nullable; the use case says
    /// which it needs, with a 400 naming it).
    /// </summary>
    public static Task Schema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type.IsAssignableTo(typeof(IRequestBody)))
        {
            schema.Required?.Clear();
        }

        return Task.CompletedTask;
    }

    /// <summary>The health routes, which are not endpoints the document finds.</summary>
    public static Task Document(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= [];
        foreach (var (path, summary) in new[]
        {
            ("/health/live", "The process answers (no token; no database). 200 \"Healthy\"."),
            ("/health/ready", "Ready for work: PostgreSQL answers, the job folders and the agent are usable, the start has finished; 503 with the report when not."),
            ("/health", "As /health/ready."),
        })
        {
            document.Paths[path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        Summary = summary,
                        Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                        Security = [],
                        Responses = new OpenApiResponses
                        {
                            ["200"] = new OpenApiResponse { Description = "Healthy." },
                            ["503"] = new OpenApiResponse { Description = "Not ready; the report says which check failed." },
                        },
                    },
                },
            };
        }

        return Task.CompletedTask;
    }

    private static void Answer(OpenApiOperation operation, string status, string description)
    {
        operation.Responses!.TryAdd(status, new OpenApiResponse { Description = description });
    }
}
