"""Drives bench/nodes.sh: `throughput TOKEN N URL...` and `failover TOKEN PID JOBS1 JOBS2 URL1 URL2`."""
import os, signal, sys, time
from concurrent.futures import ThreadPoolExecutor
from api_client import Api

FINISHED = ("completed", "failed", "timeout", "cancelled", "git_failed")


def throughput(token, count, urls):
    apis = [Api(url, token) for url in urls]

    def run(i):
        api = apis[i % len(apis)]
        api.call("POST", f"/jobs/{api.create_instant_job()}/start")

    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(run, range(count)))
    def total(status):
        return apis[0].call("GET", f"/jobs?status={status}&pageSize=1")["total"]

    while (completed := total("completed")) + (failed := total("failed")) < count:
        time.sleep(0.02)
    elapsed = time.time() - started
    print(f"{len(urls)} node(s), {count} instant jobs, MaxConcurrent 6 in all: {count / elapsed:.1f} jobs/s ({elapsed:.1f} s)"
          + (f"; {failed} FAILED" if failed else ""))


def failover(token, pid, jobs1, jobs2, url1, url2):
    one, two = Api(url1, token), Api(url2, token)
    running = [one.create_instant_job("sleep 60") for _ in range(2)]
    for job in running:
        one.call("POST", f"/jobs/{job}/start")
    while not all(os.path.exists(os.path.join(jobs1, j, "agent-started")) for j in running):
        time.sleep(0.01)
    queued = [one.create_instant_job() for _ in range(2)]
    for job in queued:
        one.call("POST", f"/jobs/{job}/start")
    killed = time.time()
    os.kill(pid, signal.SIGKILL)
    first_start = None
    lost = None
    deadline = killed + float(os.environ.get('FAILOVER_SECONDS', '180'))
    while time.time() < deadline and (first_start is None or lost is None):
        if first_start is None:
            starts = [int(open(p).read().split()[0]) / 1e9 for p in (os.path.join(jobs2, j, "agent-started") for j in queued) if os.path.exists(p)]
            if starts:
                first_start = min(starts) - killed
        if lost is None:
            views = [two.call("GET", f"/jobs/{j}") for j in running]
            if all(v["status"] in FINISHED for v in views):
                lost = time.time() - killed
                reasons = {v.get("error") or v.get("status") for v in views}
        time.sleep(0.02)
    print(f"failover: kill -9 of node-1 → its queued job's agent starts on node-2 after "
          f"{'%.2f s' % first_start if first_start is not None else 'more than 180 s'}; its running jobs end after "
          f"{'%.2f s' % lost if lost is not None else 'more than 180 s'}"
          + (f" ({', '.join(sorted(map(str, reasons)))})" if lost is not None else ""))
    if first_start is None:
        for job in queued:
            view = two.call("GET", f"/jobs/{job}")
            print(f"  queued job {job}: {view['status']} {view.get('error') or ''}")


if sys.argv[1] == "throughput":
    throughput(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
else:
    failover(sys.argv[2], int(sys.argv[3]), *sys.argv[4:8])
