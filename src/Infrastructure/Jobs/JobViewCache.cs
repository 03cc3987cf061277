using System.Collections.Concurrent;
using ClaudeBatch.Application.Jobs;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Job views in memory, keyed by view id, each with the version it was stored at. It answers only while it
/// <see cref="IsCurrent"/>: from the moment <see cref="JobViewListener"/> listens for the database's notifications of
/// changed views, for as long as they flow. Every change it is told of (this server's commits through
/// <see cref="Changed(string)"/>, any server's through <see cref="Changed(string, long)"/>) drops the cached view unless
/// it is already that new. A view read from the store is kept only if nothing about it was heard since the read began
/// (<see cref="Reserve"/> then <see cref="Offer"/>), so a read that raced a change can never put back an older view.
/// Losing the notifications (<see cref="MarkStale"/>) or finding them again (<see cref="Listening"/>) empties it.
/// A deleted job's view is not kept: its change drops it, and it is not read back in.
/// Bounded by an estimate of the views' size: past <see cref="CapacityBytes"/> the least recently used go.
/// </summary>
internal sealed class JobViewCache(long capacityBytes)
{
    /// <summary>What a slot without a view is counted as: its key and bookkeeping.</summary>
    private const long SlotBytes = 200;

    private readonly ConcurrentDictionary<string, Slot> slots = new(StringComparer.Ordinal);
    private long bytes;
    private long epoch;
    private long uses;
    private int trimming;
    private volatile bool current;

    public long CapacityBytes => capacityBytes;

    public bool Enabled => capacityBytes > 0;

    /// <summary>Whether it answers: notifications of every change are being heard.</summary>
    public bool IsCurrent => current;

    public int Count => slots.Count;

    public long Bytes => Interlocked.Read(ref bytes);

    /// <summary>The cached view of <paramref name="id"/>, if there is one and the cache is current.</summary>
    public bool TryGet(string id, out VersionedJobView view)
    {
        view = null!;
        if (!current || !slots.TryGetValue(id, out var slot) || slot.View is not { } cached)
        {
            return false;
        }

        slot.LastUsed = Interlocked.Increment(ref uses);
        view = cached;
        return true;
    }

    /// <summary>Taken before reading <paramref name="id"/> from the store; null when what is read cannot be kept.</summary>
    public Ticket? Reserve(string id)
    {
        if (!current)
        {
            return null;
        }

        var at = Interlocked.Read(ref epoch);
        var slot = slots.GetOrAdd(id, static _ => new Slot());
        lock (slot)
        {
            if (slot.Removed)
            {
                // Lost a race with its removal: this read is simply not kept.
                return null;
            }

            if (slot.Weight == 0)
            {
                slot.Weight = SlotBytes;
                Interlocked.Add(ref bytes, SlotBytes);
            }

            slot.LastUsed = Interlocked.Increment(ref uses);
            return new Ticket(id, slot, slot.Stamp, at);
        }
    }

    /// <summary>
    /// What the store held for the reserved id: kept if the cache has stayed current, the slot is still the one reserved,
    /// no change was heard since, and it is newer than what is cached. Absence, or a deleted job, is not kept: the slot
    /// goes (a deleted job's reads are 404s, asked of the store).
    /// </summary>
    public void Offer(Ticket ticket, VersionedJobView? stored)
    {
        var slot = ticket.Slot;
        if (stored is null or { View.Deleted: true })
        {
            lock (slot)
            {
                slot.Stamp++;
                Remove(ticket.Id, slot);
            }

            return;
        }

        var weight = SlotBytes + EstimateBytes(stored.View);
        if (weight > capacityBytes / 8)
        {
            return;
        }

        lock (slot)
        {
            if (!current || Interlocked.Read(ref epoch) != ticket.Epoch || slot.Stamp != ticket.Stamp || slot.Removed
                || (slot.View is { } cached && cached.Version >= stored.Version)
                || !slots.TryGetValue(ticket.Id, out var now) || now != slot)
            {
                return;
            }

            slot.View = stored;
            Interlocked.Add(ref bytes, weight - slot.Weight);
            slot.Weight = weight;
        }

        if (Interlocked.Read(ref bytes) > capacityBytes)
        {
            Trim();
        }
    }

    /// <summary>This server committed events to the view's stream (its new version unknown here): drop it.</summary>
    public void Changed(string id)
    {
        if (slots.TryGetValue(id, out var slot))
        {
            lock (slot)
            {
                slot.Stamp++;
                Forget(slot);
            }
        }
    }

    /// <summary>A server stored the view at <paramref name="version"/>: drop it unless it is already that new.</summary>
    public void Changed(string id, long version)
    {
        if (slots.TryGetValue(id, out var slot))
        {
            lock (slot)
            {
                if (slot.View is { } cached && cached.Version >= version)
                {
                    return;
                }

                slot.Stamp++;
                Forget(slot);
            }
        }
    }

    /// <summary>The stored view is gone (its row deleted).</summary>
    public void Removed(string id)
    {
        if (slots.TryGetValue(id, out var slot))
        {
            lock (slot)
            {
                slot.Stamp++;
                Remove(id, slot);
            }
        }
    }

    /// <summary>Every change from now on is heard: start afresh, ignoring every read that began before.</summary>
    public void Listening()
    {
        Clear();
        current = capacityBytes > 0;
    }

    /// <summary>Changes may be missed from now on: answer nothing and keep nothing until <see cref="Listening"/>.</summary>
    public void MarkStale()
    {
        current = false;
        Clear();
    }

    /// <summary>Every change may have been missed (the views were all removed at once): start afresh.</summary>
    public void Reset() => Clear();

    /// <summary>The ids and versions of the cached views, for a reconcile against the store.</summary>
    public IReadOnlyList<(string Id, long Version)> Snapshot()
    {
        var cached = new List<(string, long)>();
        foreach (var (id, slot) in slots)
        {
            if (slot.View is { } view)
            {
                cached.Add((id, view.Version));
            }
        }

        return cached;
    }

    private void Clear()
    {
        Interlocked.Increment(ref epoch);
        foreach (var (id, slot) in slots)
        {
            lock (slot)
            {
                slot.Stamp++;
                Remove(id, slot);
            }
        }
    }

    /// <summary>Drops the slot's view; the slot stays, so a read already under way sees the change. Called under its lock.</summary>
    private void Forget(Slot slot)
    {
        if (slot.View is null)
        {
            return;
        }

        slot.View = null;
        Interlocked.Add(ref bytes, SlotBytes - slot.Weight);
        slot.Weight = SlotBytes;
    }

    /// <summary>Takes the slot out (a read that reserved it keeps nothing). Called under its lock.</summary>
    private void Remove(string id, Slot slot)
    {
        if (slot.Removed)
        {
            return;
        }

        slot.Removed = true;
        slot.View = null;
        slots.TryRemove(KeyValuePair.Create(id, slot));
        Interlocked.Add(ref bytes, -slot.Weight);
        slot.Weight = 0;
    }

    /// <summary>The least recently used slots go until the cache is back under nine tenths of its capacity; one trim at a time.</summary>
    private void Trim()
    {
        if (Interlocked.Exchange(ref trimming, 1) == 1)
        {
            return;
        }

        try
        {
            var target = capacityBytes / 10 * 9;
            foreach (var (id, slot) in slots.OrderBy(s => s.Value.LastUsed).ToList())
            {
                if (Interlocked.Read(ref bytes) <= target)
                {
                    break;
                }

                lock (slot)
                {
                    slot.Stamp++;
                    Remove(id, slot);
                }
            }
        }
        finally
        {
            Volatile.Write(ref trimming, 0);
        }
    }

    /// <summary>Roughly what a view holds in memory: its strings (two bytes a character) and the object's fields.</summary>
    internal static long EstimateBytes(JobView view)
    {
        long chars = view.Id.Length + view.JobId.Length + view.User.Length + view.Repository.Length + view.Prompt.Length
            + (view.ResolvedPrompt?.Length ?? 0) + (view.Output?.Length ?? 0) + view.CowPath.Length + (view.CommitHash?.Length ?? 0)
            + (view.WorkspaceStrategy?.Length ?? 0) + (view.SessionId?.Length ?? 0) + (view.Error?.Length ?? 0)
            + (view.CidxError?.Length ?? 0) + (view.Node?.Length ?? 0) + (view.Home?.Length ?? 0) + (view.Options.Model?.Length ?? 0);
        foreach (var image in view.Images)
        {
            chars += image.Length + 16;
        }

        // Each turn keeps its prompt and output (a job answered many times weighs what it holds).
        foreach (var turn in view.Turns)
        {
            chars += turn.Prompt.Length + (turn.Output?.Length ?? 0) + (turn.SessionId?.Length ?? 0) + (turn.Error?.Length ?? 0) + 100;
        }

        return 2 * chars + 600;
    }

    internal sealed class Slot
    {
        public volatile VersionedJobView? View;
        public long Weight;
        public int Stamp;
        public bool Removed;
        public long LastUsed;
    }

    /// <summary>A read of one view under way: kept only if nothing about it changed meanwhile.</summary>
    internal sealed record Ticket(string Id, Slot Slot, int Stamp, long Epoch);
}
