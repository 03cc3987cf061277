namespace ClaudeBatch.Domain.Common;

/// <summary>The event types of a module, found rather than listed, so that a new event cannot be left out anywhere.</summary>
public static class DomainEvents
{
    /// <summary>
    /// Every event of the module <typeparamref name="TEvent"/> belongs to: the sealed records of its namespace that say
    /// when they happened (<c>At</c>).
    /// </summary>
    public static IReadOnlyList<Type> Of<TEvent>() =>
        typeof(TEvent).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(TEvent).Namespace && t is { IsSealed: true, IsPublic: true }
                && t.GetProperty("At")?.PropertyType == typeof(DateTimeOffset))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
}
