namespace ClaudeBatch.Cli.Rendering;

/// <summary>
/// A spinner on the terminal while nothing happens (waiting in the queue, the agent thinking): drawn after a quiet
/// moment and wiped before the next line, so the transcript never has one in it. Nothing at all when not a terminal.
/// </summary>
public sealed class Spinner : IAsyncDisposable
{
    private static readonly string[] Frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private readonly TextWriter? writer;
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task? loop;
    private DateTime quietSince = DateTime.UtcNow;
    private string label = "waiting";
    private bool drawn;

    public Spinner(CliConsole console)
    {
        if (console.Interactive && console.Colour)
        {
            writer = console.Out.Profile.Out.Writer;
            loop = RunAsync();
        }
    }

    public string Label
    {
        set
        {
            lock (gate)
            {
                label = value;
            }
        }
    }

    /// <summary>Runs <paramref name="write"/> with the spinner wiped, and starts the quiet time again.</summary>
    public void Print(Action write)
    {
        lock (gate)
        {
            Wipe();
            write();
            quietSince = DateTime.UtcNow;
        }
    }

    private async Task RunAsync()
    {
        var frame = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                lock (gate)
                {
                    if (DateTime.UtcNow - quietSince > TimeSpan.FromMilliseconds(400))
                    {
                        writer!.Write($"\r\u001b[2K{Frames[frame++ % Frames.Length]} {label}…");
                        writer.Flush();
                        drawn = true;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Wipe()
    {
        if (drawn)
        {
            writer!.Write("\r\u001b[2K");
            drawn = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }

        lock (gate)
        {
            Wipe();
        }

        stop.Dispose();
    }
}
