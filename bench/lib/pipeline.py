"""Drives the pipeline benchmark over HTTP (see ../pipeline.sh)."""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from api_client import Api

url, token, jobs_path, count, sequential, concurrent, agent = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]

api = Api(url, token)
call, create = api.call, api.create_instant_job

def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

def wait(job):
    while True:
        j = call("GET", f"/jobs/{job}")
        if j["status"] in ("completed", "failed", "timeout", "cancelled", "git_failed"):
            return j
        time.sleep(0.005)

def median_ms(xs):
    return f"{statistics.median(xs) * 1000:.1f} ms"

if sequential:
    # Warm up (code generation, JIT), then measure.
    for _ in range(3):
        j = create(); call("POST", f"/jobs/{j}/start"); wait(j)
    launch, finish, total = [], [], []
    for _ in range(sequential):
        j = create()
        t0 = time.time(); call("POST", f"/jobs/{j}/start"); done = wait(j); t1 = time.time()
        assert done["status"] == "completed", done
        start_ns, end_ns = map(int, open(os.path.join(jobs_path, j, "agent-times")).read().split())
        events = call("GET", f"/jobs/{j}/events")
        queued = ts(next(e for e in events if e["type"] == "JobQueued")["timestamp"])
        completed = ts(next(e for e in events if e["type"] == "JobCompleted")["timestamp"])
        launch.append(start_ns / 1e9 - queued); finish.append(completed - end_ns / 1e9); total.append(t1 - t0)
    bare = []
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "w"))
        for _ in range(sequential):
            t0 = time.time()
            subprocess.run([agent], cwd=os.path.join(d, "w"), input=b"go", stdout=subprocess.DEVNULL, check=True,
                           env={"PATH": os.environ["PATH"]})
            bare.append(time.time() - t0)
    print(f"sequential ({sequential} jobs): start→agent launch {median_ms(launch)}, agent exit→completed {median_ms(finish)}, "
          f"end to end (POST start → completed seen) {median_ms(total)}; floor: bare spawn of the agent {median_ms(bare)} "
          f"→ end to end = {statistics.median(total) / statistics.median(bare):.1f}× the bare spawn")

def agent_group(pid):
    """The process group of an agent process, or None if pid is not (or no longer) an agent: a shell running the
    agent script (argv[1]), not any process that merely names it (this sampler has it among its own arguments)."""
    try:
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        if len(argv) < 2 or argv[1] != agent.encode():
            return None
        stat = open(f"/proc/{pid}/stat").read()
        return stat[stat.rindex(")") + 2:].split()[2]
    except (OSError, IndexError):
        return None

def agents_alive():
    # One agent = one process group (the server starts each with setsid); a shell's forked children share it.
    # A scan of /proc is not atomic: an agent seen early may exit before one seen late starts. So every agent seen
    # is looked at again after the scan, and counted only if still alive: each was then alive from its first look
    # (before the scan ended) to its second (after it), so all counted agents were alive at the same instant.
    seen = {pid: agent_group(pid) for pid in os.listdir("/proc") if pid.isdigit()}
    return len({group for pid, group in seen.items() if group is not None and agent_group(pid) == group})

def completed_total():
    return call("GET", "/jobs?status=completed&pageSize=1")["total"]

import threading
most = [0]; sampling = [True]
def sample():
    while sampling[0]:
        most[0] = max(most[0], agents_alive()); time.sleep(0.003)

def ticks(pid, children):
    """utime + stime of a process (and of its reaped children: cutime + cstime), in clock ticks; 0 if gone."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2:].split()
    return sum(int(x) for x in fields[11:15 if children else 13])

def cpu_seconds():
    """(server, PostgreSQL) CPU so far: the server's own threads (not the programs it starts: cp, the agent), and the
    postmaster with every backend, live (their own time) or gone (reaped into the postmaster's children's time)."""
    server = ticks(os.environ["BENCH_PID"], False)
    postmaster = open(os.path.join(os.environ["BENCH_DIR"], "postgres", "cluster", "postmaster.pid")).readline().strip()
    pg = ticks(postmaster, True)
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1] == postmaster:
                pg += ticks(pid, True)
        except OSError:
            pass
    children = ticks(os.environ["BENCH_PID"], True) - server  # the programs it started and reaped (cp, setsid, agents)
    hz = os.sysconf("SC_CLK_TCK")
    return server / hz, pg / hz, children / hz

baseline = completed_total()
ids = [create() for _ in range(count)]
cpu0 = cpu_seconds()
sampler = threading.Thread(target=sample); sampler.start()
t0 = time.time()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda j: call("POST", f"/jobs/{j}/start"), ids))
while completed_total() - baseline < count and time.time() - t0 < 600:
    time.sleep(0.05)
elapsed = time.time() - t0
cpu1 = cpu_seconds()
sampling[0] = False; sampler.join()
done = completed_total() - baseline

def most_overlapping(ids):
    """Exact, not sampled: the most agents between their first and last line at once, from what each recorded."""
    edges = []
    for j in ids:
        start_ns, end_ns = map(int, open(os.path.join(jobs_path, j, "agent-times")).read().split())
        edges += [(start_ns, 1), (end_ns, -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):  # at a tie an end comes before a start
        running += step; peak = max(peak, running)
    return peak

print(f"throughput at MaxConcurrent {concurrent}: {count} jobs in {elapsed:.1f} s = {count / elapsed:.1f} jobs/s; "
      f"completed {done}/{count}; most agents alive at once: {most[0]} sampled from /proc, "
      f"{most_overlapping(ids)} from the agents' own start/end records (limit {concurrent})")
server_ms, pg_ms, children_ms = ((b - a) * 1000 / count for a, b in zip(cpu0, cpu1))
print(f"CPU per job at MaxConcurrent {concurrent}: server {server_ms:.1f} ms + PostgreSQL {pg_ms:.1f} ms = {server_ms + pg_ms:.1f} ms "
      f"(the server's own threads, with the benchmark's polling of /jobs); the programs it starts (agent and its shell, "
      f"setsid, setpriv, cp if any): {children_ms:.1f} ms")
