namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// The fair rule for run slots, in memory (see <see cref="Application.Jobs.IJobSlots"/>): at most
/// <c>maxConcurrent</c> slots out; a free one goes to the waiting user with the fewest slots, skipping users at
/// <c>maxRunningPerUser</c>; on a tie to the user served least recently, then to the one whose next job was queued
/// first, then by name; each user's jobs in the order they were queued (then by id).
/// </summary>
internal sealed class FairSlots(int maxConcurrent, int maxRunningPerUser, TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Line> lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> lastServed = new(StringComparer.Ordinal);
    private int busy;
    private bool held;

    public sealed record Ticket(string JobId, string User, DateTimeOffset QueuedAt);

    /// <summary>Slots out now.</summary>
    public int Busy
    {
        get
        {
            lock (gate)
            {
                return busy;
            }
        }
    }

    /// <summary>Jobs waiting in line.</summary>
    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return lines.Values.Sum(line => line.Waiting.Count);
            }
        }
    }

    /// <summary>Gives no slot until <see cref="Resume"/>, while the line fills (after a restart, say).</summary>
    public void Hold()
    {
        lock (gate)
        {
            held = true;
        }
    }

    public void Resume()
    {
        lock (gate)
        {
            held = false;
            Dispatch();
        }
    }

    public bool IsWaiting(string jobId)
    {
        lock (gate)
        {
            return lines.Values.Any(line => line.Waiting.Any(w => w.Ticket.JobId == jobId));
        }
    }

    /// <summary>
    /// Waits for the job's turn; dispose the slot to hand it on. A cancelled wait leaves the line at once (or, had the
    /// slot just been given, hands it straight on) and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="ticket">The job, its user, and when it was queued.</param>
    /// <param name="stored">When the user was last served by the record (a server before this one may have served them).</param>
    /// <param name="cancellationToken">Leaves the line.</param>
    public async Task<IDisposable> WaitAsync(Ticket ticket, DateTimeOffset? stored, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = new Waiter(ticket);
        lock (gate)
        {
            if (!lines.TryGetValue(ticket.User, out var line))
            {
                DateTimeOffset? served = lastServed.TryGetValue(ticket.User, out var known) && (stored is null || known > stored) ? known : stored;
                lines[ticket.User] = line = new Line(ticket.User, served);
            }

            line.Waiting.Add(waiter);
            Dispatch();
        }

        await using (cancellationToken.Register(() => Withdraw(waiter)))
        {
            var slot = await waiter.Granted.Task;
            if (cancellationToken.IsCancellationRequested)
            {
                slot.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return slot;
        }
    }

    private void Withdraw(Waiter waiter)
    {
        lock (gate)
        {
            if (lines.TryGetValue(waiter.Ticket.User, out var line) && line.Waiting.Remove(waiter))
            {
                Forget(line);
                waiter.Granted.TrySetCanceled();
            }
        }
    }

    private void Release(Line line)
    {
        lock (gate)
        {
            busy--;
            line.Running--;
            Forget(line);
            Dispatch();
        }
    }

    /// <summary>Hands out free slots while someone eligible waits (under the lock).</summary>
    private void Dispatch()
    {
        while (!held && busy < maxConcurrent)
        {
            Line? next = null;
            foreach (var line in lines.Values)
            {
                if (line.Waiting.Count > 0 && line.Running < maxRunningPerUser && (next is null || line.CompareTo(next) < 0))
                {
                    next = line;
                }
            }

            if (next is null)
            {
                return;
            }

            var waiter = next.Waiting.Min!;
            next.Waiting.Remove(waiter);
            next.Running++;
            next.LastServed = clock.GetUtcNow();
            busy++;
            waiter.Granted.TrySetResult(new Slot(this, next));
        }
    }

    /// <summary>A user with nothing waiting and nothing running is dropped, but when they were served is kept.</summary>
    private void Forget(Line line)
    {
        if (line.Waiting.Count == 0 && line.Running == 0)
        {
            lines.Remove(line.User);
            if (line.LastServed is { } served)
            {
                lastServed[line.User] = served;
            }
        }
    }

    private sealed class Waiter(Ticket ticket) : IComparable<Waiter>
    {
        public Ticket Ticket { get; } = ticket;

        // Asynchronous continuations: a slot is given under the lock, and its taker must not run there.
        public TaskCompletionSource<IDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int CompareTo(Waiter? other) =>
            other is null ? 1
            : Ticket.QueuedAt != other.Ticket.QueuedAt ? Ticket.QueuedAt.CompareTo(other.Ticket.QueuedAt)
            : string.CompareOrdinal(Ticket.JobId, other.Ticket.JobId);
    }

    private sealed class Line(string user, DateTimeOffset? lastServed)
    {
        public string User { get; } = user;

        public SortedSet<Waiter> Waiting { get; } = [];

        public int Running { get; set; }

        public DateTimeOffset? LastServed { get; set; } = lastServed;

        /// <summary>Fewest running, then served least recently (never first), then the earliest next job, then the name.</summary>
        public int CompareTo(Line other)
        {
            if (Running != other.Running)
            {
                return Running.CompareTo(other.Running);
            }

            if (LastServed != other.LastServed)
            {
                return (LastServed ?? DateTimeOffset.MinValue).CompareTo(other.LastServed ?? DateTimeOffset.MinValue);
            }

            var head = Waiting.Min!.Ticket.QueuedAt.CompareTo(other.Waiting.Min!.Ticket.QueuedAt);
            return head != 0 ? head : string.CompareOrdinal(User, other.User);
        }
    }

    private sealed class Slot(FairSlots slots, Line line) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                slots.Release(line);
            }
        }
    }
}
