#!/usr/bin/python3
"""conv-serve under load on loopback, against conv on the same files.

Run by bench/serve.sh (see bench/README.md, "conv-serve under load").  One
conv-serve (--workers, default one per core; queue 16) on 127.0.0.1, port 0,
with an empty --tmpdir of its own; CLIENTS threads of http.client, each on a
keep-alive connection, in four phases on that one server:

  mix          DURATION s: each client in turn posts the seed sample and the
               large CSV, to=xlsx
  sample.xlsx  PHASE s: the seed sample only, to=xlsx
  large.xlsx   PHASE s: the large CSV only, to=xlsx
  large.json   PHASE s: the large CSV only, to=json

A 503 is retried after its Retry-After (on a new connection when the wait is
10 s or more); any other status than 200 and 503, and any connection error,
is a failure.  Bodies over 1 MiB are sent with "Expect: 100-continue".  The
server's VmRSS, descriptors and files under --tmpdir are sampled every 0.5 s,
its CPU (utime + stime) read at each phase's ends.  Before the server starts,
conv converts each file to the same output, one process at a time pinned to
one core, for the CLI's seconds (wall and CPU) per file.

Prints Markdown tables on stdout; exit status 0 only when every check held
(no failure, RSS flat, no file or descriptor left, exit 0 on SIGTERM); a
throughput ratio over --max-ratio is printed as MISS and does not change it,
since timings on a shared machine are noisy.
"""
import argparse
import http.client
import os
import resource
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_common import Sampler, Server, percentile, post  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return f.read()


def machine_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


class Kind:
    def __init__(self, name, path, to):
        self.name, self.path, self.to = name, path, to
        self.data = read(path)
        self.filename = os.path.basename(path)
        self.url = "/v1/convert?to=%s&filename=%s" % (to, self.filename)


# ---- the CLI ----------------------------------------------------------------------


def time_cli(conv, kind, outdir, min_seconds, min_runs):
    """conv kind.path -o out.<to>, one process at a time on CPU 0, until
    min_seconds and min_runs: (runs, wall seconds per file, CPU seconds per
    file)."""
    out = os.path.join(outdir, "cli-%s.%s" % (kind.name, kind.to))
    argv = [conv, "-q", kind.path, "-o", out]
    subprocess.run(argv, check=True)  # warm the page cache

    def pin():
        os.sched_setaffinity(0, {0})

    runs = 0
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    while runs < min_runs or time.monotonic() - t0 < min_seconds:
        subprocess.run(argv, check=True, preexec_fn=pin)
        runs += 1
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return runs, wall / runs, cpu / runs


def same_output(conv, server, kind, outdir):
    """The server's output of kind, read back by conv, is the CLI's read back."""
    conn = server.connection()
    conn.request("POST", kind.url, body=kind.data)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    if r.status != 200:
        return "status %d: %s" % (r.status, body[:200])
    srv = os.path.join(outdir, "srv-%s.%s" % (kind.name, kind.to))
    with open(srv, "wb") as f:
        f.write(body)
    cli = os.path.join(outdir, "cli-%s.%s" % (kind.name, kind.to))
    a, b = srv + ".csv", cli + ".csv"
    subprocess.run([conv, "-q", srv, "-o", a], check=True)
    subprocess.run([conv, "-q", cli, "-o", b], check=True)
    same = read(a) == read(b)
    for p in (srv, a, b):
        os.unlink(p)
    return None if same else "the server's %s differs from conv's" % kind.to


# ---- the load ---------------------------------------------------------------------


class Phase:
    def __init__(self, name, kinds, seconds):
        self.name, self.kinds, self.seconds = name, kinds, seconds
        self.lock = threading.Lock()
        self.ok = {k.name: 0 for k in kinds}
        self.busy = {k.name: 0 for k in kinds}
        self.latency = {k.name: [] for k in kinds}  # one 200's exchange
        self.to_result = {k.name: [] for k in kinds}  # first try to the 200, 503 waits included
        self.failures = []
        self.bytes_in = self.bytes_out = 0


def client(server, phase, i, stop_at):
    conn = server.connection()
    k = i % len(phase.kinds)  # half the clients begin with each kind
    first = None
    while time.monotonic() < stop_at:
        kind = phase.kinds[k]
        t0 = time.monotonic()
        if first is None:
            first = t0
        try:
            status, headers, n, body = post(conn, kind.url, kind.data)
        except (OSError, http.client.HTTPException) as e:
            with phase.lock:
                phase.failures.append((kind.name, "connection: %r" % e))
            conn.close()
            first = None
            k = (k + 1) % len(phase.kinds)
            continue
        t1 = time.monotonic()
        if status == 200:
            with phase.lock:
                phase.ok[kind.name] += 1
                phase.latency[kind.name].append(t1 - t0)
                phase.to_result[kind.name].append(t1 - first)
                phase.bytes_in += len(kind.data)
                phase.bytes_out += n
            first = None
            k = (k + 1) % len(phase.kinds)
        elif status == 503:
            with phase.lock:
                phase.busy[kind.name] += 1
            try:
                wait = float(headers.get("retry-after", "1"))
            except ValueError:
                wait = 1.0
            wait = min(wait, max(0.0, stop_at - time.monotonic()))
            if wait >= 10:
                conn.close()
            time.sleep(wait)
        else:
            with phase.lock:
                phase.failures.append((kind.name, "status %d: %r" % (status, (body or b"")[:200])))
            first = None
            k = (k + 1) % len(phase.kinds)
    conn.close()


def run_phase(server, phase, clients):
    busy0 = machine_busy()
    cpu0 = server.cpu()
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    stop_at = t0 + phase.seconds
    threads = [threading.Thread(target=client, args=(server, phase, i, stop_at))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.wall = time.monotonic() - t0
    phase.cpu = server.cpu() - cpu0
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    phase.client_cpu = (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime)
    busy1 = machine_busy()
    phase.machine = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])  # share of all cores
    phase.t_start, phase.t_end = t0, t0 + phase.wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="directory of conv and conv-serve")
    ap.add_argument("--sample", required=True)
    ap.add_argument("--large", required=True)
    ap.add_argument("--records", type=int, required=True, help="records of the large CSV")
    ap.add_argument("--work", required=True, help="an empty directory for the run")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--phase", type=float, default=20)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=0, help="0: conv-serve's default")
    ap.add_argument("--cli-seconds", type=float, default=5)
    ap.add_argument("--max-ratio", type=float, default=1.5)
    a = ap.parse_args()
    conv = os.path.join(a.bin, "conv")
    cores = os.cpu_count()
    load_before = open("/proc/loadavg").read().split()[0]
    problems = []

    sample_xlsx = Kind("sample", a.sample, "xlsx")
    large_xlsx = Kind("large", a.large, "xlsx")
    large_json = Kind("large", a.large, "json")
    records = a.records

    # The CLI first, on a quiet server-less machine.
    print("timing conv, one process at a time on CPU 0 ...", file=sys.stderr)
    cli = {}
    for kind, runs in ((sample_xlsx, 50), (large_xlsx, 3), (large_json, 10)):
        cli[(kind.name, kind.to)] = time_cli(conv, kind, a.work, a.cli_seconds, runs)

    args = ["--workers", str(a.workers)] if a.workers else []
    server = Server(os.path.join(a.bin, "conv-serve"), a.work, "load", *args)
    workers = server.workers
    print("conv-serve pid %d on port %d, %d workers; %d clients" %
          (server.pid, server.port, workers, a.clients), file=sys.stderr)
    for kind in (sample_xlsx, large_xlsx, large_json):
        why = same_output(conv, server, kind, a.work)
        if why:
            problems.append(why)
    server.wait_idle()
    idle_fds = server.fds()
    rss_start = server.status_kib("VmRSS")

    sampler = Sampler(server)
    sampler.start()
    phases = [Phase("mix", [sample_xlsx, large_xlsx], a.duration),
              Phase("sample.xlsx", [sample_xlsx], a.phase),
              Phase("large.xlsx", [large_xlsx], a.phase),
              Phase("large.json", [large_json], a.phase)]
    for ph in phases:
        print("phase %s: %g s ..." % (ph.name, ph.seconds), file=sys.stderr)
        run_phase(server, ph, a.clients)
        ph.t_start -= sampler.t0
        ph.t_end -= sampler.t0
        if not server.wait_idle():
            problems.append("phase %s: the server did not come back to idle" % ph.name)
    sampler.stop()
    hwm = server.status_kib("VmHWM")
    server.settle(idle_fds[0] - idle_fds[1])
    end_fds = server.fds()
    left = server.leftovers()
    status = server.stop()
    left_after = server.all_entries()
    log = server.log()

    # ---- report -----------------------------------------------------------------
    mix = phases[0]
    samples = sampler.samples
    peak = max(s[1] for s in samples)
    in_mix = [s for s in samples if mix.t_start <= s[0] <= mix.t_end]
    first10 = [s[1] for s in in_mix if s[0] - mix.t_start <= 10]
    last10 = [s[1] for s in in_mix if mix.t_end - s[0] <= 10]
    f_mean, l_mean = sum(first10) / len(first10), sum(last10) / len(last10)
    after_mix = [s[1] for s in samples if s[0] > mix.t_end]
    max_fds = max(s[2] for s in samples)
    max_temp = max(s[3] for s in samples)

    print("### conv-serve under load: %d clients, %d workers, %d cores, load %s before"
          % (a.clients, workers, cores, load_before))
    print()
    print("Files: the seed sample (%s, %d bytes) and %d generated records (%d bytes); "
          "outputs %s." % (os.path.basename(a.sample), len(sample_xlsx.data), records,
                           len(large_xlsx.data), "xlsx, and json in the last phase"))
    print()
    print("| phase | seconds | file | 200s | failures | 503s | latency p50 s | p95 s "
          "| to a 200 p95 s | server CPU % | clients CPU % | machine busy % |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for ph in phases:
        for j, kind in enumerate(ph.kinds):
            lat = ph.latency[kind.name]
            nfail = sum(1 for f in ph.failures if f[0] == kind.name)
            share = ("| %.0f | %.0f | %.0f |" % (100 * ph.cpu / ph.wall / cores,
                                                100 * ph.client_cpu / ph.wall / cores,
                                                100 * ph.machine)) if j == 0 else "| | | |"
            print("| %s | %s | %s.%s | %d | %d | %d | %.3f | %.3f | %.3f %s" % (
                ph.name if j == 0 else "", "%.1f" % ph.wall if j == 0 else "", kind.name,
                kind.to, ph.ok[kind.name], nfail, ph.busy[kind.name], percentile(lat, 50),
                percentile(lat, 95), percentile(ph.to_result[kind.name], 95), share))
    print()
    print("CPU %% is of all %d cores over the phase; machine busy includes other work." % cores)
    print()

    print("Memory and descriptors of the server (VmRSS every 0.5 s over all phases):")
    print()
    print("| RSS at start MiB | mix: first 10 s mean | mix: last 10 s mean | last / first "
          "| after the mix: max | peak (sampled) | VmHWM at the end | descriptors idle / max "
          "/ end | files under --tmpdir: max open / left |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
    print("| %.1f | %.1f | %.1f | %.2f | %.1f | %.1f | %.1f | %d / %d / %d | %d / %d |" % (
        rss_start / 1024, f_mean / 1024, l_mean / 1024, l_mean / f_mean,
        max(after_mix) / 1024 if after_mix else float("nan"), peak / 1024, hwm / 1024,
        idle_fds[0], max_fds, end_fds[0], max_temp, len(left) + end_fds[2]))
    print()

    print("Throughput per core against conv (CLI: one process at a time on one core):")
    print()
    print("| file | conv runs | conv s/file (wall) | conv CPU s/file | conv files/s/core "
          "| server files/s/core | CLI/server per core (wall) | server CPU s/request "
          "| server/CLI CPU per file |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for ph in phases[1:]:
        kind = ph.kinds[0]
        runs, wall1, cpu1 = cli[(kind.name, kind.to)]
        n = ph.ok[kind.name]
        srv_core = n / ph.wall / workers
        rw = (1 / wall1) / srv_core if n else float("inf")
        rc = (ph.cpu / n) / cpu1 if n else float("inf")
        ratios.append((ph.name, rw, rc))
        print("| %s.%s | %d | %.4f | %.4f | %.2f | %.2f | %.2f | %.4f | %.2f |" % (
            kind.name, kind.to, runs, wall1, cpu1, 1 / wall1, srv_core, rw,
            ph.cpu / n if n else float("nan"), rc))
    # the mix: the CLI's time for the same files
    ns, nl = mix.ok["sample"], mix.ok["large"]
    cs, cl = cli[("sample", "xlsx")], cli[("large", "xlsx")]
    cli_wall = ns * cs[1] + nl * cl[1]
    cli_cpu = ns * cs[2] + nl * cl[2]
    rw = mix.wall * workers / cli_wall
    rc = mix.cpu / cli_cpu
    ratios.append(("mix", rw, rc))
    print("| mix (%d sample + %d large, xlsx) | | %.1f s for them | %.1f s for them | | "
          "%.1f worker-s | %.2f | %.1f s in all | %.2f |" % (
              ns, nl, cli_wall, cli_cpu, mix.wall * workers, rw, mix.cpu, rc))
    print()
    print("CLI/server per core (wall) = conv's files/s on one core over the server's 200s/s "
          "over its %d workers (the clients share the cores); server/CLI CPU = the server's "
          "CPU seconds per 200 over conv's per file.  Both must be at most %.2f."
          % (workers, a.max_ratio))
    print()

    # ---- checks -------------------------------------------------------------------
    for ph in phases:
        for f in ph.failures[:5]:
            print("FAIL %s: %s: %s" % (ph.name, f[0], f[1]))
        if ph.failures:
            problems.append("%d failed requests in phase %s" % (len(ph.failures), ph.name))
        if not all(ph.ok.values()):
            problems.append("phase %s: a file kind got no 200" % ph.name)
    if l_mean > f_mean * 1.10 + 2048:
        problems.append("RSS grew: %.1f MiB in the first 10 s of the mix, %.1f in the last"
                        % (f_mean / 1024, l_mean / 1024))
    if left or end_fds[2]:
        problems.append("left under --tmpdir while idle: %s, %d open" % (left, end_fds[2]))
    if end_fds[0] - end_fds[1] != idle_fds[0] - idle_fds[1]:
        problems.append("descriptors that are not sockets, idle at the start %d, at the end %d"
                        % (idle_fds[0] - idle_fds[1], end_fds[0] - end_fds[1]))
    if status != 0:
        problems.append("conv-serve exited %s on SIGTERM" % status)
    if left_after:
        problems.append("left in --tmpdir after the stop: %s" % left_after)
    if "stopped" not in log:
        problems.append("no 'stopped' in the log")
    lines = log.count('"POST /v1/convert')
    total = sum(sum(ph.ok.values()) + sum(ph.busy.values()) + len(ph.failures) for ph in phases)
    if lines != total + 3:  # + the three output checks
        problems.append("%d access lines for %d requests" % (lines, total + 3))
    # Timings are noisy on a shared machine: a ratio over the bound is a MISS,
    # reported, which does not change the exit status.
    for name, rw, rc in ratios:
        print("target %s: CLI/server per core (wall) %.2f %s, server/CLI CPU per file %.2f %s "
              "(required <= %.2f)" % (name, rw, "PASS" if rw <= a.max_ratio else "MISS", rc,
                                      "PASS" if rc <= a.max_ratio else "MISS", a.max_ratio))
    print()
    mhd = [l for l in log.splitlines() if "conv-serve: libmicrohttpd:" in l]
    print("Server: exit %s on SIGTERM, %d access log lines, %d messages of libmicrohttpd, "
          "nothing left in --tmpdir: %s." % (status, lines, len(mhd),
                                             "yes" if not left_after else "no"))
    for l in mhd[:5]:
        print("    %s" % l)
    print()
    for p in problems:
        print("FAIL: %s" % p)
    print("load: %s" % ("PASS" if not problems else "FAIL"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
