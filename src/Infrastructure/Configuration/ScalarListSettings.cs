using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace ClaudeBatch.Infrastructure.Configuration;

/// <summary>
/// Finds a list or a set of names and values given one plain value (<c>Repositories__AllowedLocalRoots=/srv/git</c>):
/// the configuration binder ignores it without a word, so the server would start without the setting. Each one found
/// is a start failure naming the form that works (<c>Repositories__AllowedLocalRoots__0=/srv/git</c>). An empty value
/// stays what it says, an empty list.
/// </summary>
public static class ScalarListSettings
{
    /// <summary>A message for each collection-typed property of <paramref name="optionsType"/> (nested options too) given a value.</summary>
    public static IReadOnlyList<string> Find(IConfiguration configuration, string section, Type optionsType)
    {
        var found = new List<string>();
        Walk(configuration.GetSection(section), section, optionsType, found, depth: 0);
        return found;
    }

    private static void Walk(IConfigurationSection at, string path, Type type, List<string> found, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
        {
            var key = $"{path}:{property.Name}";
            var child = at.GetSection(property.Name);
            var propertyType = property.PropertyType;
            if (propertyType == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                if (depth < 4 && propertyType.IsClass && propertyType != typeof(string) && propertyType.Namespace?.StartsWith("ClaudeBatch", StringComparison.Ordinal) == true)
                {
                    Walk(child, key, propertyType, found, depth + 1);
                }

                continue;
            }

            if (string.IsNullOrWhiteSpace(child.Value))
            {
                continue;
            }

            var environment = key.Replace(":", "__", StringComparison.Ordinal);
            found.Add(IsDictionary(propertyType)
                ? $"{key} is a set of names and values, and was given one value; give each as {key}:NAME (environment variable {environment}__NAME=value)."
                : $"{key} is a list, and was given one value; give its items as {key}:0, {key}:1, … (environment variables {environment}__0=value, {environment}__1=…).");
        }
    }

    private static bool IsDictionary(Type type) =>
        typeof(IDictionary).IsAssignableFrom(type)
        || type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d
            && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)));
}
