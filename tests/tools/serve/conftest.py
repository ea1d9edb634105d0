"""conv-serve run as a user runs it, for the tests: on 127.0.0.1, on a free
port it picks itself, with a temporary directory of its own; stopped with
SIGTERM at the end, which must leave no file behind and exit 0.

CONV_BIN is the directory of the built tools, CONV_SRC the source tree
(ctest sets both).  A test that cannot run because something is missing
fails: nothing here skips.
"""
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import uuid

import pytest

BIN = os.environ.get("CONV_BIN") or os.path.join(os.path.dirname(__file__), "../../../build/bin")
SRC = os.environ.get("CONV_SRC") or os.path.join(os.path.dirname(__file__), "../../..")
SERVE = os.path.join(BIN, "conv-serve")


def sample(*parts):
    return os.path.join(SRC, "samples", *parts)


class Server:
    """One conv-serve process."""

    def __init__(self, *args, startup=30):
        if not os.access(SERVE, os.X_OK):
            raise RuntimeError("%s is not built" % SERVE)
        self.dir = tempfile.mkdtemp(prefix="conv-serve-test-")
        self.work = os.path.join(self.dir, "tmp")
        os.mkdir(self.work)
        self.log_path = os.path.join(self.dir, "server.log")
        self.args = list(args)
        self.tls = None
        if "--tls-cert" in self.args:
            self.tls = ssl.create_default_context(
                cafile=self.args[self.args.index("--tls-cert") + 1])
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [SERVE, "--listen", "127.0.0.1:0", "--tmpdir", self.work] + self.args,
                stdout=subprocess.DEVNULL, stderr=log, cwd=self.dir)
        deadline = time.time() + startup
        while True:
            m = re.search(r"listening on (https?)://([0-9.]+):(\d+)/", self.log())
            if m:
                self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
                break
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                raise RuntimeError("conv-serve did not start:\n" + self.log())
            time.sleep(0.05)
        self.url = "%s://%s:%d" % (self.scheme, self.host, self.port)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=30):
        """Wait until the log has a line matching pattern; the match."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.log())
            if m:
                return m
            time.sleep(0.05)
        raise AssertionError("no %r in the log:\n%s" % (pattern, self.log()))

    def leftovers(self):
        """Files and directories left under the server's --tmpdir."""
        found = []
        for root, dirs, files in os.walk(self.work):
            found += [os.path.join(root, n) for n in dirs + files]
        # the running server's own directory, empty between requests
        own = os.path.join(self.work, "conv-serve.%d." % self.proc.pid)
        return [f for f in found if not (f.startswith(own) and "/" not in f[len(own):])]

    def connection(self, timeout=120):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=120):
        """(status, headers with lower-case names, body bytes)."""
        c = self.connection(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=b"", headers=None, **kw):
        return self.request("POST", path, body=data, headers=headers, **kw)

    def post_files(self, path, parts, headers=None, **kw):
        body, ctype = multipart(parts)
        h = {"Content-Type": ctype}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h, **kw)

    def stop(self, sig=signal.SIGTERM, timeout=90):
        """Signal the server; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("conv-serve did not stop within %d s:\n%s"
                                 % (timeout, self.log()))

    def finish(self):
        """Stop it as a service manager does and check it cleaned up."""
        status = self.stop()
        log = self.log()
        left = self.leftovers()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert status == 0, "conv-serve exited %s:\n%s" % (status, log)
        assert "stopped" in log, log
        assert not left, "left behind: %s" % left
        return log


def multipart(parts):
    """A multipart/form-data body of (field, file name, bytes) parts."""
    boundary = "conv-test-" + uuid.uuid4().hex
    out = []
    for field, name, data in parts:
        disp = 'form-data; name="%s"' % field
        if name is not None:
            disp += '; filename="%s"' % name
        out.append(("--%s\r\nContent-Disposition: %s\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n"
                    % (boundary, disp)).encode("utf-8"))
        out.append(data)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def error_of(body):
    doc = json.loads(body)
    assert "error" in doc, doc
    return doc["error"]


def run_tool(tool, args, cwd, stdin=None):
    """Run a tool of CONV_BIN: (exit status, stdout bytes, stderr text)."""
    p = subprocess.run([os.path.join(BIN, tool)] + list(args), cwd=cwd, input=stdin,
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server():
    s = Server("--workers", "2", "--client-timeout", "10")
    yield s
    s.finish()
