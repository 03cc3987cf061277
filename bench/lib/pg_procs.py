"""PostgreSQL CPU by process between two looks (see job-db-profile.sh): save PIDFILE save OUT; then PIDFILE diff OUT."""
import os, sys, json
pm = open(sys.argv[1]).readline().strip()
def snap():
    d = {}
    def t(pid, ch):
        s = open(f"/proc/{pid}/stat").read(); f = s[s.rindex(")")+2:].split()
        return sum(int(x) for x in f[11:15 if ch else 13])
    d["postmaster(own)"] = t(pm, False); d["reaped"] = t(pm, True) - t(pm, False)
    for pid in os.listdir("/proc"):
        if not pid.isdigit(): continue
        try:
            s = open(f"/proc/{pid}/stat").read()
            if s.rsplit(")",1)[1].split()[1] != pm: continue
            title = open(f"/proc/{pid}/cmdline").read().replace("\0"," ").strip()
            d[pid + " " + title[:70]] = t(pid, True)
        except OSError: pass
    return d
if sys.argv[2] == "save":
    json.dump(snap(), open(sys.argv[3], "w"))
else:
    a = json.load(open(sys.argv[3])); b = snap(); hz = os.sysconf("SC_CLK_TCK")
    rows = [(b[k] - a.get(k, 0), k) for k in b]
    for v, k in sorted(rows, reverse=True)[:25]:
        if v: print(f"{v*1000/hz/200:7.2f} ms/job  {k}")
