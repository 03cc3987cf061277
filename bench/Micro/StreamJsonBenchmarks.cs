using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Micro;

/// <summary>
/// <see cref="StreamJsonParser.Parse"/> of one line of each kind, against the least it takes to read the same line at
/// all: a <see cref="JsonDocument"/> of it (what the parser builds first) and a <see cref="Utf8JsonReader"/> pass over
/// it (the line arrives as a string, so the floor includes encoding it to UTF-8 into a pooled buffer).
/// </summary>
[MemoryDiagnoser]
public class StreamJsonLine
{
    private string line = "";

    [Params(LineKind.SystemInit, LineKind.AssistantToolUse, LineKind.UserToolResult, LineKind.AssistantText, LineKind.Result,
        LineKind.UserToolResult64K)]
    public LineKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        line = Samples.Line(Kind);
        if (Reading.Parse(line) != 1)
        {
            throw new InvalidOperationException($"The {Kind} line should give one message.");
        }
    }

    [Benchmark(Description = "StreamJsonParser.Parse")]
    public int Parse() => Reading.Parse(line);

    [Benchmark(Baseline = true, Description = "floor: JsonDocument.Parse")]
    public int Document() => Reading.Document(line);

    [Benchmark(Description = "floor: Utf8JsonReader pass")]
    public int Reader() => Reading.Reader(line);
}

/// <summary>A whole transcript, line by line as the runner reads it: the sample's 5 lines, and 200 (its middle repeated).</summary>
[MemoryDiagnoser]
public class StreamJsonTranscript
{
    private string[] lines = [];

    [Params(5, 200)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        lines = Samples.Transcript(Lines);
        if (Parse() != Lines)
        {
            throw new InvalidOperationException("Each line of the transcript should give one message.");
        }
    }

    [Benchmark(Description = "StreamJsonParser.Parse")]
    public int Parse()
    {
        var messages = 0;
        foreach (var line in lines)
        {
            messages += Reading.Parse(line);
        }

        return messages;
    }

    [Benchmark(Baseline = true, Description = "floor: JsonDocument.Parse")]
    public int Document()
    {
        var kinds = 0;
        foreach (var line in lines)
        {
            kinds += Reading.Document(line);
        }

        return kinds;
    }

    [Benchmark(Description = "floor: Utf8JsonReader pass")]
    public int Reader()
    {
        var tokens = 0;
        foreach (var line in lines)
        {
            tokens += Reading.Reader(line);
        }

        return tokens;
    }
}

internal static class Reading
{
    /// <summary>What the runner does with a line: parse it and go through the messages.</summary>
    public static int Parse(string line)
    {
        var messages = 0;
        foreach (var message in StreamJsonParser.Parse(line))
        {
            messages += message is null ? 0 : 1;
        }

        return messages;
    }

    public static int Document(string line)
    {
        using var document = JsonDocument.Parse(line);
        return (int)document.RootElement.ValueKind;
    }

    public static int Reader(string line)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(0, Encoding.UTF8.GetBytes(line, buffer)));
            var tokens = 0;
            while (reader.Read())
            {
                tokens++;
            }

            return tokens;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
