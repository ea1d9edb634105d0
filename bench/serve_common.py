"""What bench/serve-load.py and bench/serve-faults.py share: a conv-serve
process started on 127.0.0.1 port 0 with a --tmpdir of its own, read from
/proc while it runs; a client's POST over http.client that sends
"Expect: 100-continue" for bodies over 1 MiB (as curl does); a sampler of
the server's memory, descriptors and temporary files.  Python 3 standard
library only.
"""
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
EXPECT_OVER = 1024 * 1024  # bodies larger than this wait for "100 Continue"


class Server:
    """One conv-serve process; its log in log_path."""

    def __init__(self, serve_bin, workdir, name, *args):
        workdir = os.path.abspath(workdir)
        self.tmpdir = os.path.join(workdir, name + "-tmp")
        os.mkdir(self.tmpdir)
        self.log_path = os.path.join(workdir, name + ".log")
        self.args = list(args)
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [serve_bin, "--listen", "127.0.0.1:0", "--tmpdir", self.tmpdir] + self.args,
                stdout=subprocess.DEVNULL, stderr=log, cwd=workdir)
        self.pid = self.proc.pid
        deadline = time.time() + 30
        while True:
            m = re.search(r"listening on http://([0-9.]+):(\d+)/ \((\d+) workers", self.log())
            if m:
                self.host, self.port, self.workers = m.group(1), int(m.group(2)), int(m.group(3))
                break
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                raise RuntimeError("conv-serve did not start:\n" + self.log())
            time.sleep(0.05)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_lines(self, pattern):
        return [l for l in self.log().splitlines() if re.search(pattern, l)]

    def wait_log(self, pattern, timeout=30):
        """The first log line matching pattern, waiting for it; None if none came."""
        deadline = time.time() + timeout
        while True:
            lines = self.log_lines(pattern)
            if lines:
                return lines[0]
            if time.time() > deadline:
                return None
            time.sleep(0.1)

    # ---- from /proc --------------------------------------------------------------
    def status_kib(self, field):
        """VmRSS, VmHWM... of /proc/PID/status in KiB (None once it is gone)."""
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu(self):
        """CPU seconds (user + system) of the server so far."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def fds(self):
        """(descriptors, of them sockets, of them files under --tmpdir)."""
        d = "/proc/%d/fd" % self.pid
        total = sockets = temp = 0
        for n in os.listdir(d):
            try:
                target = os.readlink(os.path.join(d, n))
            except OSError:
                continue
            total += 1
            sockets += target.startswith("socket:")
            temp += target.startswith(self.tmpdir + "/")
        return total, sockets, temp

    def leftovers(self):
        """Entries under --tmpdir other than the server's own directory, and
        the entries of that directory (a request's directory while it works)."""
        found = []
        own = "conv-serve.%d." % self.pid
        for name in os.listdir(self.tmpdir):
            path = os.path.join(self.tmpdir, name)
            if name.startswith(own) and os.path.isdir(path):
                found += [os.path.join(name, n) for n in os.listdir(path)]
            else:
                found.append(name)
        return found

    def settle(self, files, timeout=10):
        """Wait until nothing is left under --tmpdir and no descriptor is open
        on a file there, and the descriptors that are not sockets are `files`
        again: a request's files are closed a few milliseconds after its client
        read the last byte.  The seconds it took."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            total, sockets, temp = self.fds()
            if not temp and total - sockets == files and not self.leftovers():
                break
            time.sleep(0.01)
        return time.monotonic() - t0

    def all_entries(self):
        return os.listdir(self.tmpdir)

    # ---- HTTP ---------------------------------------------------------------------
    def connection(self, timeout=180):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def health(self):
        c = self.connection(10)
        try:
            c.request("GET", "/health")
            r = c.getresponse()
            return json.loads(r.read())
        finally:
            c.close()

    def wait_idle(self, timeout=120):
        """Until no request runs or waits; False if it did not come."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            h = self.health()
            if h["running"] == 0 and h["waiting"] == 0:
                return True
            time.sleep(0.1)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=120):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed (did not stop within %d s)" % timeout


def post(conn, path, body, read_limit=None):
    """POST body to path on conn (an http.client connection, opened if need
    be).  Bodies over EXPECT_OVER announce themselves with "Expect:
    100-continue" and are sent only once the server says "100 Continue", so
    that a 503 or 413 costs no upload.  The whole response is read (and
    dropped), or its first read_limit bytes.  Returns (status, headers as a
    dict with lower-case names, bytes of the body read, the body when it is
    under 64 KiB)."""
    expect = len(body) > EXPECT_OVER
    conn.putrequest("POST", path, skip_accept_encoding=True)
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Content-Length", str(len(body)))
    if expect:
        conn.putheader("Expect", "100-continue")
    conn.endheaders()
    if expect:
        sock = conn.sock
        go = False
        while True:
            r, _, _ = select.select([sock], [], [], conn.timeout)
            if not r:
                raise socket.timeout("no answer to Expect: 100-continue")
            head = sock.recv(256, socket.MSG_PEEK)
            if not head:
                raise http.client.RemoteDisconnected("closed before 100 Continue")
            if not head.startswith(b"HTTP/1.1 100"):
                break  # a final answer: for getresponse()
            end = head.find(b"\r\n\r\n")
            if end >= 0:
                sock.recv(end + 4)  # take the 100 Continue off
                go = True
                break
            time.sleep(0.001)
        if go:
            conn.send(body)
    else:
        conn.send(body)
    resp = conn.getresponse()
    headers = {k.lower(): v for k, v in resp.getheaders()}
    n = 0
    keep = []
    while True:
        want = 1 << 20 if read_limit is None else min(1 << 16, read_limit - n)
        if want <= 0:
            break
        chunk = resp.read(want)
        if not chunk:
            break
        n += len(chunk)
        if n <= 65536:
            keep.append(chunk)
    if expect and not go:
        conn.close()  # the body was not sent: the connection cannot go on
    return resp.status, headers, n, b"".join(keep) if n <= 65536 else None


class Sampler(threading.Thread):
    """The server's VmRSS, descriptors and CPU every `every` seconds:
    samples of (seconds since start, RSS KiB, descriptors, files under
    --tmpdir)."""

    def __init__(self, server, every=0.5):
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.samples = []
        self.halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.halt.is_set():
            rss = self.server.status_kib("VmRSS")
            if rss is None:
                break
            try:
                total, _, temp = self.server.fds()
            except OSError:
                break
            self.samples.append((time.monotonic() - self.t0, rss, total, temp))
            self.halt.wait(self.every)

    def stop(self):
        self.halt.set()
        self.join()


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)
