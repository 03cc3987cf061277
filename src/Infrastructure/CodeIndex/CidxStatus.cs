namespace ClaudeBatch.Infrastructure.CodeIndex;

/// <summary>One row of <c>cidx status</c>: its label, whether its status cell starts with ✅, and the rest.</summary>
public sealed record CidxStatusRow(string Component, bool Ok, string Status, string Details);

/// <summary>What <c>cidx status</c> said, and whether that means semantic search can be used.</summary>
public sealed record CidxStatusReport(IReadOnlyList<CidxStatusRow> Rows)
{
    /// <summary>The rows that must say ✅ when they are present (v1–v7 names; "Voyage-Ai" is cidx's own spelling).</summary>
    private static readonly string[] Required = ["Docker Services", "Voyage-Ai Provider", "Ollama Provider", "Qdrant"];

    public CidxStatusRow? Row(string component) => Rows.FirstOrDefault(r => r.Component == component);

    /// <summary>Ready when the Index row is ✅ and none of the service rows that are present is ❌. No Index row: not ready.</summary>
    public bool Ready => Row("Index") is { Ok: true } && Required.All(name => Row(name) is null or { Ok: true });

    /// <summary>The rows that keep it from being ready, as "Qdrant: ❌ Container not running".</summary>
    public string WhyNotReady() => Rows.Count == 0
        ? "cidx status printed no status table."
        : string.Join("; ", Rows.Where(r => (r.Component == "Index" || Required.Contains(r.Component)) && !r.Ok).Select(r => $"{r.Component}: {r.Status}"))
          is { Length: > 0 } failing ? failing : "cidx status shows no index.";
}

/// <summary>
/// Reads the table <c>cidx status</c> prints (run with COLUMNS=200): rows split on │, the first cell's label, the
/// ✅/❌ prefix of the second — never column positions, since emoji widths vary. A row with an empty first cell
/// continues the row above it.
/// </summary>
public static class CidxStatusParser
{
    public static CidxStatusReport Parse(string output)
    {
        var rows = new List<CidxStatusRow>();
        foreach (var line in output.Split('\n'))
        {
            var cells = line.Split('│');
            if (cells.Length < 4)
            {
                continue;
            }

            var (label, status, details) = (cells[1].Trim(), cells[2].Trim(), cells[3].Trim());
            if (label.Length == 0)
            {
                if (rows.Count > 0)
                {
                    var previous = rows[^1];
                    rows[^1] = previous with
                    {
                        Status = Join(previous.Status, status),
                        Details = Join(previous.Details, details),
                    };
                }

                continue;
            }

            rows.Add(new CidxStatusRow(label, status.StartsWith('✅'), status, details));
        }

        return new CidxStatusReport(rows);
    }

    private static string Join(string first, string more) => more.Length == 0 ? first : first.Length == 0 ? more : first + " " + more;
}
