using System.Reflection;
using NetArchTest.Rules;

namespace ClaudeBatch.Architecture.Tests;

/// <summary>
/// The module rules of DESIGN.md §2: modules are the folders repeated across layers (<c>Identity</c>,
/// <c>Repositories</c>, <c>Jobs</c>, <c>Files</c>, <c>CodeIndex</c>, <c>Workspaces</c>), a namespace each under a layer's
/// root; <c>Common</c> is the shared kernel every module may use. A module talks to another only through its
/// <b>contract</b>:
/// <list type="bullet">
/// <item>Application: ports (interfaces), messages (commands, queries, notifications) and their results and
/// responses, records, enums, exceptions, options (<c>*Options</c>) and views (<c>*View</c>).</item>
/// <item>Domain: events, value objects, errors, enums, stream names — everything but the aggregates.</item>
/// </list>
/// Everything else is the module's <b>internals</b>, for it alone: its handlers, validators and pipeline behaviors, its
/// services (any other class: a pipeline, a journal), its helpers (static classes: rebuilding an aggregate, indexing a
/// master) and, in the Domain, its aggregates (whatever rebuilds itself with <c>Evolve</c>). A module of one layer and
/// the same module of another layer are one module.
/// </summary>
public static class ModuleRules
{
    public const string Domain = "ClaudeBatch.Domain";
    public const string Application = "ClaudeBatch.Application";
    public const string SharedKernel = "Common";

    /// <summary>Folders that are part of a larger module: DESIGN.md §2 has "<c>Jobs</c> (with files, pipeline, agent)".</summary>
    public static readonly IReadOnlyDictionary<string, string> PartOf = new Dictionary<string, string> { ["Files"] = "Jobs" };

    /// <summary>The module a type belongs to: the namespace segment under its layer's root; null for the shared kernel.</summary>
    public static string? ModuleOf(Type type)
    {
        var ns = (type.DeclaringType is { } outer ? ModuleNamespace(outer) : type.Namespace) ?? "";
        foreach (var root in (string[])[Domain, Application])
        {
            if (ns.StartsWith(root + ".", StringComparison.Ordinal))
            {
                var module = ns[(root.Length + 1)..].Split('.')[0];
                return module == SharedKernel ? null : PartOf.GetValueOrDefault(module, module);
            }
        }

        return null;

        static string? ModuleNamespace(Type t) => t.DeclaringType is { } o ? ModuleNamespace(o) : t.Namespace;
    }

    /// <summary>The modules of the given layers.</summary>
    public static IReadOnlyList<string> Modules(params Assembly[] layers) =>
        layers.SelectMany(Visible).Select(ModuleOf).OfType<string>().Distinct().Order().ToList();

    /// <summary>Whether only its own module may use <paramref name="type"/> (see the class remarks).</summary>
    public static bool IsInternal(Type type)
    {
        if (ModuleOf(type) is null || IsCompilerGenerated(type))
        {
            return false;
        }

        if (!(type.IsPublic || type.IsNestedPublic))
        {
            return true;
        }

        if (type.IsInterface && !IsHandlerInterface(type) || type.IsEnum || type.IsValueType)
        {
            return false;
        }

        if (type.Namespace?.StartsWith(Domain, StringComparison.Ordinal) == true || type.DeclaringType?.Namespace?.StartsWith(Domain, StringComparison.Ordinal) == true)
        {
            return IsAggregate(type);
        }

        if (IsHandler(type) || IsValidator(type))
        {
            return true;
        }

        if (IsStatic(type))
        {
            return !IsRulesOrNames(type);
        }

        return !(IsRecord(type) || IsMessage(type) || typeof(Exception).IsAssignableFrom(type)
            || type.Name.EndsWith("Options", StringComparison.Ordinal) || type.Name.EndsWith("View", StringComparison.Ordinal));
    }

    /// <summary>The internals of every module but <paramref name="module"/>, by full name (nested types as <c>Outer+Inner</c>).</summary>
    public static string[] InternalsOutside(string module, params Assembly[] layers) =>
        layers.SelectMany(Visible).Where(t => IsInternal(t) && ModuleOf(t) != module).Select(t => t.FullName!).Distinct().ToArray();

    /// <summary>The types of <paramref name="module"/> (or any set standing in for them) use no other module's internals.</summary>
    public static TestResult UsesOnlyContracts(PredicateList moduleTypes, string module, params Assembly[] layers) =>
        moduleTypes.ShouldNot().HaveDependencyOnAny(InternalsOutside(module, layers)).GetResult();

    /// <summary>The types of <paramref name="module"/> in <paramref name="layer"/>.</summary>
    public static PredicateList TypesOf(Assembly layer, string module)
    {
        var root = layer.GetName().Name;
        var folders = PartOf.Where(p => p.Value == module).Select(p => p.Key).Prepend(module).ToList();
        var types = Types.InAssembly(layer).That().ResideInNamespace($"{root}.{folders[0]}");
        foreach (var folder in folders.Skip(1))
        {
            types = types.Or().ResideInNamespace($"{root}.{folder}");
        }

        return types;
    }

    private static IEnumerable<Type> Visible(Assembly layer) => layer.GetTypes().Where(t => !IsCompilerGenerated(t));

    private static bool IsCompilerGenerated(Type type) => type.Name.StartsWith('<') || type.FullName?.Contains("<") == true;

    /// <summary>
    /// A static class that is contract: names (constants only), or rules about the module's own values — FluentValidation
    /// rules for its names (<c>MustBeARepositoryName</c>) and extensions of its own records and enums (a refusal's text).
    /// A helper that works on a port or the event store (rebuilding an aggregate, say) is internal.
    /// </summary>
    private static bool IsRulesOrNames(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).All(method =>
            method.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), false)
            && method.GetParameters()[0].ParameterType is var extended
            && (extended is { IsGenericType: true } && extended.GetGenericTypeDefinition().FullName == "FluentValidation.IRuleBuilder`2"
                || !extended.IsInterface && ModuleOf(extended) == ModuleOf(type)));

    private static bool IsStatic(Type type) => type is { IsClass: true, IsAbstract: true, IsSealed: true };

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null || type.IsValueType;

    private static bool IsAggregate(Type type) =>
        type.IsClass && type.GetMethod("Evolve", BindingFlags.Public | BindingFlags.Instance, [typeof(object)]) is not null;

    private static bool IsMessage(Type type) => type.GetInterfaces().Any(i => i.FullName == "Mediator.IMessage");

    private static bool IsHandlerInterface(Type type) =>
        type.Namespace == "Mediator" && (type.Name.Contains("Handler", StringComparison.Ordinal) || type.Name.Contains("PipelineBehavior", StringComparison.Ordinal));

    private static bool IsHandler(Type type) => type.GetInterfaces().Any(IsHandlerInterface);

    private static bool IsValidator(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "FluentValidation.AbstractValidator`1")
            {
                return true;
            }
        }

        return false;
    }
}
