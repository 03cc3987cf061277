"""Drives bench/real-claude.sh: jobs with the real Claude Code CLI, watched over the job's event stream."""
import json, os, statistics, subprocess, sys, tempfile, threading, time, urllib.request
from datetime import datetime
from api_client import Api

url, token, claude, api_base, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
agent_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ["HOME"], "LANG": "C.UTF-8", "IS_SANDBOX": "1",
             "ANTHROPIC_BASE_URL": api_base, "ANTHROPIC_API_KEY": "bench", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
             "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_MAX_RETRIES": "1"}

call = Api(url, token).call

def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

def watch(job, frames, opened):
    req = urllib.request.Request(f"{url}/jobs/{job}/stream", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        opened.set()
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                frames.append((time.time(), json.loads(line[6:])))

def one_job():
    job = call("POST", "/jobs", {"prompt": "Say done.", "repository": "tiny", "options": {"gitAware": False, "cidxAware": False}})["jobId"]
    frames, opened = [], threading.Event()
    t = threading.Thread(target=watch, args=(job, frames, opened)); t.start(); opened.wait()
    t0 = time.time(); call("POST", f"/jobs/{job}/start"); t.join(); t1 = time.time()
    events = {f["type"]: ts(f["at"]) for _, f in frames}
    assert frames[-1][1]["status"] == "completed", frames[-1]
    return {"launch": events["AgentStarted"] - events["JobQueued"], "boot": events["AgentSessionStarted"] - events["AgentStarted"],
            "total": t1 - t0, "sse": [received - ts(f["at"]) for received, f in frames if f["type"] != "JobCreated"]}

def bare():
    with tempfile.TemporaryDirectory() as d:
        t0 = time.time()
        subprocess.run([claude, "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"], cwd=d,
                       input=b"Say done.", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=agent_env)
        return time.time() - t0

one_job()  # warm-up: code generation, JIT, the CLI's first start
results = [one_job() for _ in range(runs)]
floors = [bare() for _ in range(runs)]
ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"
sse = sorted(x for r in results for x in r["sse"])
print(f"runs: {runs} jobs, each watched over GET /jobs/{{id}}/stream")
print(f"start → agent launched (JobQueued → AgentStarted), median: {ms([r['launch'] for r in results])}")
print(f"agent launched → CLI session started (AgentStarted → AgentSessionStarted), median: {ms([r['boot'] for r in results])}")
print(f"POST start → stream ends with completed, median: {ms([r['total'] for r in results])}")
print(f"floor: bare `claude -p` of the same prompt against the same fake API, median: {ms(floors)}")
print(f"overhead vs floor: {statistics.median([r['total'] for r in results]) / statistics.median(floors):.2f}x")
print(f"SSE delivery (event stored → received by the client): median {statistics.median(sse) * 1000:.1f} ms, "
      f"p95 {sse[int(len(sse) * 0.95)] * 1000:.1f} ms, max {sse[-1] * 1000:.1f} ms over {len(sse)} events")
