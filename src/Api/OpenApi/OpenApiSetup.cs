using Microsoft.OpenApi;

namespace ClaudeBatch.Api.OpenApi;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, with a bearer scheme so Swagger UI's Authorize button works.</summary>
public static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddServerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options => options
            .AddOperationTransformer(OpenApiConventions.Operation)
            .AddSchemaTransformer(OpenApiConventions.Schema)
            .AddDocumentTransformer(OpenApiConventions.Document)
            .AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Claude Batch Server",
                Version = "v1",
                Description = "Run Claude Code headless as batch jobs against registered git repositories.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The token from POST /auth/login (a JWT), or a personal access token (cbs_…) from POST /auth/tokens.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
            return Task.CompletedTask;
        }));

    public static WebApplication UseServerApiExplorer(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "swagger";
            options.SwaggerEndpoint(DocumentPath, "Claude Batch Server v1");
            options.DocumentTitle = "Claude Batch Server";
        });
        return app;
    }
}
