#!/usr/bin/python3
"""conv-serve under faults, each while a background load keeps converting.

Run by bench/serve.sh (see bench/README.md, "conv-serve under load").  Two
servers on 127.0.0.1, port 0, each with an empty --tmpdir of its own and
--client-timeout 5 (--min-rate stays 1024 bytes/s):

  server A (uploads up to 256M): BACKGROUND clients each post in turn the seed
  sample and the large CSV to=xlsx, while
    (a) a client sends the headers of the large CSV and half of its body, and
        closes;
    (b) a client uploads the large CSV to=xml, reads 8 KB of the answer, and
        closes;
    (d) a client sends its body one byte a second; another its headers one
        byte a second;
    (e) SIGTERM, with more clients posting the large CSV so that requests run
        and wait: those in flight must end with 200, new ones be refused
        (503 "stopping" on a kept-alive connection, or the connection
        refused), the server exit 0;
  server B (--max-upload 1M): BACKGROUND clients post the seed sample, while
    (c) 5 MB are posted: with "Expect: 100-continue" (as curl does), without
        it (http.client sends the whole body before reading), and chunked
        without a length.

After each fault the background clients are held, the server waits until
idle, and the script checks: nothing under --tmpdir but the server's own
empty directory, no descriptor open on a file there, as many descriptors
that are not sockets as at the start, the background clients without a
failure, and the access log's line for the fault (quoted in the report).
Exit status 0 only when every check held.
"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_common import Server, post  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Background:
    """Clients converting in a loop; held on demand, for the quiet checks."""

    def __init__(self, server, jobs, clients):
        self.server, self.jobs = server, jobs
        self.lock = threading.Lock()
        self.ok = self.busy = 0
        self.failures = []
        self.hold = threading.Event()
        self.parked = 0
        self.halt = threading.Event()
        self.signal_at = None  # set once SIGTERM is sent
        self.after = []  # (started before the signal, outcome) of requests ending after it
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True)
                        for i in range(clients)]

    def start(self):
        for t in self.threads:
            t.start()

    def add(self, clients, jobs):
        more = [threading.Thread(target=self.client, args=(i, jobs), daemon=True)
                for i in range(clients)]
        self.threads += more
        for t in more:
            t.start()

    def client(self, i, jobs=None):
        jobs = jobs or self.jobs
        conn = self.server.connection()
        k = i
        while not self.halt.is_set():
            if self.hold.is_set():
                with self.lock:
                    self.parked += 1
                while self.hold.is_set() and not self.halt.is_set():
                    time.sleep(0.05)
                with self.lock:
                    self.parked -= 1
                continue
            url, data = jobs[k % len(jobs)]
            t0 = time.time()
            fresh = conn.sock is None
            try:
                status, headers, n, body = post(conn, url, data)
                outcome = status
                if status == 503 and body and b'"stopping"' in body:
                    outcome = "503 stopping"
            except ConnectionRefusedError:
                outcome = "refused"
            except (OSError, http.client.HTTPException) as e:
                outcome = "error %s%s" % (type(e).__name__, " (new connection)" if fresh else "")
                conn.close()
            if self.signal_at is not None:
                with self.lock:
                    self.after.append((t0 < self.signal_at, outcome))
                if outcome in ("refused", "503 stopping") or str(outcome).startswith("error"):
                    break  # the server is going: this client is done
                k += 1
                continue
            with self.lock:
                if outcome == 200:
                    self.ok += 1
                elif outcome == 503:
                    self.busy += 1
                else:
                    self.failures.append("%s %s: %s" % (url, outcome, (body or b"")[:200]
                                                        if isinstance(outcome, int) else ""))
            if outcome == 503:
                time.sleep(float(headers.get("retry-after", "1")))
            elif outcome == 200:
                k += 1
        conn.close()

    def quiet(self, timeout=120):
        """Hold the clients and wait until each is between two requests."""
        self.hold.set()
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.parked == len(self.threads):
                    return True
            time.sleep(0.05)
        return False

    def go(self):
        self.hold.clear()

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join(180)


class Report:
    def __init__(self):
        self.rows = []
        self.problems = []

    def check(self, cond, what):
        if not cond:
            self.problems.append(what)
        return cond


def raw(server):
    return socket.create_connection((server.host, server.port), timeout=60)


def head(path, length, extra=""):
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
            "Content-Length: %d\r\n%s\r\n" % (path, length, extra)).encode()


def port_of(sock):
    return sock.getsockname()[1]


def quiet_check(server, bg, rep, label, base_files):
    """Hold the load, wait until idle, look at --tmpdir and the descriptors."""
    held = bg.quiet()
    idle = server.wait_idle()
    server.settle(base_files)
    left = server.leftovers()
    total, sockets, temp = server.fds()
    files = total - sockets
    rss = server.status_kib("VmRSS")
    with bg.lock:
        fails = list(bg.failures)
    bg.go()
    rep.check(held and idle, "%s: the server did not come back to idle" % label)
    rep.check(not left, "%s: left under --tmpdir: %s" % (label, left))
    rep.check(temp == 0, "%s: %d descriptors still open on files under --tmpdir" % (label, temp))
    rep.check(files == base_files, "%s: %d descriptors that are not sockets, %d at the start"
              % (label, files, base_files))
    rep.check(not fails, "%s: background failures: %s" % (label, fails[:3]))
    return "tmpdir empty: %s; files open %d (start %d), under --tmpdir %d; RSS %.1f MiB; " \
           "background so far: %d ok, %d failed" % ("yes" if not left else "NO %s" % left, files,
                                             base_files, temp, rss / 1024, bg.ok, len(fails))


def log_line(server, rep, label, pattern, timeout=30):
    line = server.wait_log(pattern, timeout)
    rep.check(line is not None, "%s: no log line matching %r" % (label, pattern))
    if line is None:
        return "(none)"
    return re.sub(r"^\S+ ", "", line)  # without the time


def slow_send(sock, data, every=1.0, limit=30):
    """Send data a byte every `every` seconds; seconds until the server cut
    the connection (None if it did not within limit)."""
    t0 = time.time()
    for b in data:
        if time.time() - t0 > limit:
            return None
        try:
            sock.sendall(bytes([b]))
        except OSError:
            return time.time() - t0
        # the server shuts the socket down: the next read says so at once
        sock.settimeout(every)
        try:
            got = sock.recv(4096)
            if not got:
                return time.time() - t0
        except socket.timeout:
            pass
        except OSError:
            return time.time() - t0
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sample", required=True)
    ap.add_argument("--large", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--background", type=int, default=4)
    a = ap.parse_args()
    serve = os.path.join(a.bin, "conv-serve")
    sample, large = read(a.sample), read(a.large)
    sname, lname = os.path.basename(a.sample), os.path.basename(a.large)
    rep = Report()
    out = []

    # ---- server A -----------------------------------------------------------------
    A = Server(serve, a.work, "faults-a", "--client-timeout", "5")
    jobs = [("/v1/convert?to=xlsx&filename=%s" % sname, sample),
            ("/v1/convert?to=xlsx&filename=%s" % lname, large)]
    bg = Background(A, jobs, a.background)
    base_files = A.fds()[0] - A.fds()[1]
    bg.start()
    time.sleep(3)

    # (a) half the body, then gone
    s = raw(A)
    s.sendall(head("/v1/convert?to=xlsx&filename=fault-a.csv", len(large)))
    s.sendall(large[:len(large) // 2])
    time.sleep(0.5)
    s.close()
    line = log_line(A, rep, "(a)", r'filename=fault-a\.csv" ')
    rep.check("client went away during the request" in line, "(a): %s" % line)
    out.append(("(a) disconnect mid-upload (%d of %d bytes sent)" % (len(large) // 2, len(large)),
                "connection closed", line, quiet_check(A, bg, rep, "(a)", base_files)))

    # (b) a few KB of the answer, then gone
    s = raw(A)
    s.sendall(head("/v1/convert?to=xml&filename=fault-b.csv", len(large)) + large)
    got = b""
    while len(got) < 8192:
        chunk = s.recv(8192 - len(got))
        if not chunk:
            break
        got += chunk
    status = got.split(b"\r\n", 1)[0].decode(errors="replace")
    s.close()
    line = log_line(A, rep, "(b)", r'filename=fault-b\.csv" ')
    rep.check(status.startswith("HTTP/1.1 200") and "went away during the response" in line,
              "(b): %s / %s" % (status, line))
    out.append(("(b) disconnect mid-download (to=xml, 8 KB read)", status, line,
                quiet_check(A, bg, rep, "(b)", base_files)))

    # (d) one byte a second: of the body, then of the headers
    s = raw(A)
    s.sendall(head("/v1/convert?to=xlsx&filename=fault-d1.csv", len(sample)))
    cut = slow_send(s, sample)
    s.close()
    line = log_line(A, rep, "(d1)", r'filename=fault-d1\.csv" ')
    rep.check(cut is not None and "cut: the request body moved at" in line,
              "(d1): cut after %s s: %s" % (cut, line))
    out.append(("(d) body at 1 byte/s", "cut after %.1f s" % cut if cut else "not cut", line,
                quiet_check(A, bg, rep, "(d1)", base_files)))
    s = raw(A)
    port = port_of(s)
    cut = slow_send(s, head("/v1/convert?to=xlsx&filename=fault-d2.csv", len(sample)))
    s.close()
    line = log_line(A, rep, "(d2)", r"127\.0\.0\.1:%d: closed: " % port)
    rep.check(cut is not None and "no whole request within 5 s" in line,
              "(d2): cut after %s s: %s" % (cut, line))
    out.append(("(d) headers at 1 byte/s", "cut after %.1f s" % cut if cut else "not cut", line,
                quiet_check(A, bg, rep, "(d2)", base_files)))

    # (e) SIGTERM with requests running and waiting
    bg.add(8, [jobs[1]])
    deadline = time.time() + 60
    h = A.health()
    while time.time() < deadline and not (h["running"] == A.workers and h["waiting"] >= 2):
        time.sleep(0.05)
        h = A.health()
    hwm_a = A.status_kib("VmHWM")
    bg.signal_at = time.time()
    t_sig = time.monotonic()
    A.proc.send_signal(signal.SIGTERM)
    code = A.stop(timeout=180)
    took = time.monotonic() - t_sig
    bg.stop()
    log = A.log()
    flight = re.search(r"stopping: no new connections; (\d+) requests? in flight", log)
    before = [o for b, o in bg.after if b]
    after = [o for b, o in bg.after if not b]
    left = A.all_entries()
    rep.check(code == 0, "(e): exit status %s" % code)
    rep.check(before and all(o == 200 for o in before),
              "(e): requests sent before the signal ended %s" % before)
    rep.check(all(o in ("503 stopping", "refused") or str(o).startswith("error")
                  for o in after), "(e): after the signal: %s" % after)
    rep.check(not left, "(e): left in --tmpdir after the stop: %s" % left)
    rep.check("stopped" in log and flight, "(e): no stopping/stopped lines")
    rep.check(not bg.failures, "(e): background failures before the signal: %s"
              % bg.failures[:3])
    lines = [re.sub(r"^\S+ ", "", l) for l in log.splitlines()
             if re.search(r"SIGTERM received|stopping:|stopped$", l)]
    count = {}
    for o in after:
        count[str(o)] = count.get(str(o), 0) + 1
    out.append(("(e) SIGTERM under load (%d running, %d waiting at the signal)"
                % (h["running"], h["waiting"]),
                "exit %s after %.1f s; the %d requests sent before it: %s; after it: %s"
                % (code, took, len(before),
                   "all 200" if before and all(o == 200 for o in before) else before,
                   ", ".join("%d %s" % (n, k) for k, n in sorted(count.items())) or "none"),
                " / ".join(lines),
                "tmpdir after the exit: %s; background before the signal: %d ok, %d failed"
                % ("empty" if not left else left, bg.ok, len(bg.failures))))

    # ---- server B: the limit --------------------------------------------------------
    B = Server(serve, a.work, "faults-b", "--client-timeout", "5", "--max-upload", "1M")
    bgb = Background(B, [("/v1/convert?to=xlsx&filename=%s" % sname, sample)], a.background)
    base_b = B.fds()[0] - B.fds()[1]
    bgb.start()
    time.sleep(2)
    five = (large * (5 * 1000 * 1000 // len(large) + 1))[:5 * 1000 * 1000]
    # with Expect: 100-continue
    c = B.connection()
    status, headers, n, body = post(c, "/v1/convert?to=xlsx&filename=fault-c1.csv", five)
    c.close()
    try:
        err = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        err = {}
    line = log_line(B, rep, "(c1)", r'filename=fault-c1\.csv" ')
    rep.check(status == 413 and err.get("code") == "too-large", "(c1): %s %s" % (status, body))
    out.append(("(c) 5 MB over --max-upload 1M, Expect: 100-continue",
                "%d %s, %s: %s" % (status, headers.get("content-type"), err.get("code"),
                                   err.get("message")),
                line, quiet_check(B, bgb, rep, "(c1)", base_b)))
    # without Expect: http.client sends it all before it reads
    c = B.connection()
    try:
        c.request("POST", "/v1/convert?to=xlsx&filename=fault-c2.csv", body=five)
        r = c.getresponse()
        seen = "%d %s" % (r.status, r.read()[:120])
    except (OSError, http.client.HTTPException) as e:
        seen = "%s while sending (the 413 came before the body)" % type(e).__name__
    c.close()
    line = log_line(B, rep, "(c2)", r'filename=fault-c2\.csv" ')
    rep.check(" 413 " in line, "(c2): %s" % line)
    out.append(("(c) the same without Expect (http.client)", seen, line,
                quiet_check(B, bgb, rep, "(c2)", base_b)))
    # chunked, no length: over the limit on the way
    c = B.connection()
    try:
        c.request("POST", "/v1/convert?to=xlsx&filename=fault-c3.csv",
                  body=iter([five[i:i + 65536] for i in range(0, len(five), 65536)]),
                  encode_chunked=True, headers={"Transfer-Encoding": "chunked"})
        r = c.getresponse()
        seen = "%d %s" % (r.status, r.read()[:120])
    except (OSError, http.client.HTTPException) as e:
        seen = "%s while sending" % type(e).__name__
    c.close()
    line = log_line(B, rep, "(c3)", r'filename=fault-c3\.csv" ')
    rep.check("cut: the body is over the limit" in line, "(c3): %s" % line)
    out.append(("(c) 5 MB chunked, no length", seen, line,
                quiet_check(B, bgb, rep, "(c3)", base_b)))
    bgb.stop()
    hwm_b = B.status_kib("VmHWM")
    code = B.stop()
    rep.check(code == 0 and not B.all_entries(), "server B: exit %s, left %s"
              % (code, B.all_entries()))

    # ---- report -----------------------------------------------------------------------
    print("### conv-serve under faults (--client-timeout 5, --min-rate 1024; %d background "
          "clients)" % a.background)
    print()
    out.sort(key=lambda row: row[0][:3])  # (a) to (e)
    for what, seen, line, after in out:
        print("- **%s**: the client saw: %s." % (what, seen))
        print("  Log: `%s`" % line.replace("`", "'"))
        print("  After: %s." % after)
    print()
    print("Peak RSS (VmHWM): server A %.1f MiB (before the SIGTERM), server B %.1f MiB."
          % (hwm_a / 1024, hwm_b / 1024))
    print()
    for p in rep.problems:
        print("FAIL: %s" % p)
    print("faults: %s" % ("PASS" if not rep.problems else "FAIL"))
    return 0 if not rep.problems else 1


if __name__ == "__main__":
    sys.exit(main())
