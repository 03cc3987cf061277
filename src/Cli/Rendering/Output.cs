using System.Text.Json;
using ClaudeBatch.Cli.Http;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClaudeBatch.Cli.Rendering;

/// <summary>Tables and key–value panels for people; indented JSON (the server's own field names) for scripts.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions Indented = new(ServerApi.Json) { WriteIndented = true };

    public static void Json(CliConsole console, object? value) => console.WriteLine(JsonSerializer.Serialize(value, Indented));

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(column)}[/]"));
        }

        return table;
    }

    public static void Row(Table table, params string[] cells) => table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

    /// <summary>Name–value lines, values left as they are (escaped).</summary>
    public static void Fields(CliConsole console, IEnumerable<(string Name, string? Value)> fields)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                grid.AddRow(new Markup($"[grey]{Markup.Escape(name)}[/]"), new Text(value));
            }
        }

        console.Out.Write(grid);
    }
}
