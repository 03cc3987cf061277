using System.Reflection;
using NetArchTest.Rules;

namespace ClaudeBatch.Architecture.Tests;

/// <summary>
/// The dependency rules of DESIGN.md §2, written once so the same rule can be run against the real layers and
/// against deliberate violations (which must make it fail).
/// </summary>
public static class LayerRules
{
    /// <summary>Packages and frameworks that do I/O or belong to the outer layers.</summary>
    public static readonly string[] OuterDependencies =
    [
        "Marten", "Npgsql", "Wolverine", "JasperFx", "Weasel", "LibGit2Sharp", "Docker.DotNet", "Serilog",
        "Microsoft.AspNetCore", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Options",
        "System.Diagnostics.Process", "System.Net.Http", "System.Net.Sockets",
        "ClaudeBatch.Infrastructure", "ClaudeBatch.Api",
    ];

    /// <summary>
    /// The file system: what opens, lists, watches or removes files and folders. Inner layers may still name paths
    /// (<c>System.IO.Path</c> only works on strings) and pass streams (<c>Stream</c> is an abstraction an adapter opens).
    /// NetArchTest matches whole names: <c>System.IO.File</c> is that type alone, a namespace is everything in it.
    /// </summary>
    public static readonly string[] FileSystem =
    [
        "System.IO.File", "System.IO.Directory", "System.IO.FileInfo", "System.IO.DirectoryInfo", "System.IO.FileSystemInfo",
        "System.IO.FileStream", "System.IO.FileSystemWatcher", "System.IO.DriveInfo", "System.IO.RandomAccess",
        "System.IO.Enumeration", "System.IO.MemoryMappedFiles", "System.IO.Pipes",
    ];

    public static TestResult DomainIsPure(PredicateList types) =>
        types.ShouldNot().HaveDependencyOnAny([.. OuterDependencies, .. FileSystem, "ClaudeBatch.Application", "Mediator", "FluentValidation"]).GetResult();

    public static TestResult ApplicationTouchesNoIo(PredicateList types) =>
        types.ShouldNot().HaveDependencyOnAny([.. OuterDependencies, .. FileSystem]).GetResult();

    /// <summary>
    /// LINQ query shapes, so no query is built in the Application: reads go through narrow ports the Infrastructure
    /// answers beside its indexes. NetArchTest matches whole type names, so a generic type is named with its arity.
    /// </summary>
    public static readonly string[] QueryShapes =
        ["System.Linq.IQueryable", "System.Linq.IQueryable`1", "System.Linq.IOrderedQueryable`1", "System.Linq.Queryable"];

    public static TestResult ApplicationUsesNoIQueryable(PredicateList types) =>
        types.ShouldNot().HaveDependencyOnAny(QueryShapes).GetResult();

    /// <summary>
    /// The command-line client speaks HTTP to the server and nothing else: no database, no job processes, no server
    /// code — only the request and response records of the Application and Domain.
    /// </summary>
    public static TestResult CliSpeaksOnlyHttp(PredicateList types) =>
        types.ShouldNot().HaveDependencyOnAny(
            ["ClaudeBatch.Infrastructure", "ClaudeBatch.Api", "Marten", "Npgsql", "Wolverine", "JasperFx", "Weasel", "LibGit2Sharp",
             "Docker.DotNet", "Serilog", "Microsoft.AspNetCore", "System.Diagnostics.Process", "Mediator"]).GetResult();

    public static TestResult InfrastructureDoesNotKnowTheApi(PredicateList types) =>
        types.ShouldNot().HaveDependencyOn("ClaudeBatch.Api").GetResult();

    /// <summary>Assembly-level: every referenced assembly is one of the allowed names or the base class library.</summary>
    public static IReadOnlyList<string> ForbiddenReferences(Assembly assembly, params string[] allowed) =>
        assembly.GetReferencedAssemblies()
            .Select(a => a.Name ?? "")
            .Where(name => !IsBaseClassLibrary(name) && !allowed.Contains(name))
            .ToList();

    private static bool IsBaseClassLibrary(string name) =>
        name is "mscorlib" or "netstandard" || name == "System" || name.StartsWith("System.", StringComparison.Ordinal);
}
