"""conv-serve under faults: clients that go away in the middle of an
upload, of the work or of a download; a client sending one byte a second;
one that never finishes its headers; SIGTERM while requests are in
flight.  Each time the server keeps serving the others, leaves no file
behind (Server.finish checks) and says what happened in its log.
"""
import json
import re
import signal
import socket
import threading
import time

from conftest import Server, sample

from test_serve_api import big_csv, read


def health(s):
    status, _, body = s.get("/health")
    assert status == 200
    return json.loads(body)


def still_serves(s):
    status, _, body = s.post("/v1/convert?to=json&filename=indicators.csv",
                             read(sample("indicators.csv")))
    assert status == 200 and body.startswith(b"[")


def connect(s):
    return socket.create_connection((s.host, s.port), timeout=30)


def test_disconnects():
    s = Server("--workers", "2", "--client-timeout", "10")
    try:
        data = big_csv(100000)
        # mid-upload: half the announced body, then gone
        c = connect(s)
        c.sendall(("POST /v1/convert?to=json&filename=big.csv HTTP/1.1\r\nHost: x\r\n"
                   "Content-Length: %d\r\n\r\n" % len(data)).encode())
        c.sendall(data[:len(data) // 2])
        time.sleep(0.3)
        c.close()
        s.wait_log(r'"POST /v1/convert\?to=json&filename=big.csv" - in=\d+ .* '
                   r"client went away during the request")
        still_serves(s)
        # during the work: the upload whole, then gone before the answer
        c = connect(s)
        body = big_csv(400000)
        c.sendall(("POST /v1/convert?to=xlsx&filename=work.csv HTTP/1.1\r\nHost: x\r\n"
                   "Content-Length: %d\r\n\r\n" % len(body)).encode() + body)
        deadline = time.time() + 30
        while health(s)["running"] == 0:
            assert time.time() < deadline
            time.sleep(0.02)
        c.close()
        m = s.wait_log(r'"POST /v1/convert\?to=xlsx&filename=work.csv" .* (\d+\.\d+)s .*'
                       r"the client went away during the work")
        assert float(m.group(1)) < 20  # canceled, not finished
        still_serves(s)
        # mid-download: a large answer read in part
        c = connect(s)
        c.sendall(("POST /v1/convert?to=json&filename=down.csv HTTP/1.1\r\nHost: x\r\n"
                   "Content-Length: %d\r\n\r\n" % len(data)).encode() + data)
        got = c.recv(65536)
        assert got.startswith(b"HTTP/1.1 200 ")
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # RST
        c.close()
        s.wait_log(r'"POST /v1/convert\?to=json&filename=down.csv" 200 .* '
                   r"client went away during the response")
        still_serves(s)
        assert not s.leftovers()
    finally:
        s.finish()


def test_slow_clients():
    s = Server("--client-timeout", "2", "--min-rate", "200")
    try:
        data = read(sample("indicators.csv"))
        # one byte a second of body
        c = connect(s)
        c.sendall(("POST /v1/convert?to=json&filename=slow.csv HTTP/1.1\r\nHost: x\r\n"
                   "Content-Length: %d\r\n\r\n" % len(data)).encode())
        t0 = time.time()
        cut = None
        for b in data:
            try:
                c.sendall(bytes([b]))
                time.sleep(1)
                # others are served meanwhile
                if time.time() - t0 < 1.5:
                    still_serves(s)
            except OSError:
                cut = time.time() - t0
                break
        c.close()
        assert cut is not None and cut < 10, cut
        s.wait_log(r'"POST /v1/convert\?to=json&filename=slow.csv" - .* cut: the request body '
                   r"moved at \d+ bytes/s, under --min-rate 200")
        # headers that never end
        c = connect(s)
        c.sendall(b"POST /v1/convert?to=json HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        for _ in range(20):
            try:
                c.sendall(b"X")
                time.sleep(0.5)
            except OSError:
                break
        try:
            assert c.recv(100) == b""
        except ConnectionResetError:
            pass
        assert time.time() - t0 < 8
        c.close()
        s.wait_log(r"closed: no whole request within 2 s \(--client-timeout\)")
        # a reader that does not read: the answer is left, the server goes on
        still_serves(s)
    finally:
        s.finish()


def test_sigterm_finishes_the_requests_in_flight():
    s = Server("--workers", "2", "--queue", "8")
    data = big_csv(60000)
    results = []
    lock = threading.Lock()

    def client(i):
        try:
            status, _, body = s.post("/v1/convert?to=xlsx&filename=load%d.csv" % i, data,
                                     timeout=120)
            out = (status, len(body))
        except OSError as e:
            out = ("error", str(e))
        with lock:
            results.append(out)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    # every request in: two running, the others waiting for a worker or
    # done (a request not yet sent when the signal comes would be refused)
    deadline = time.time() + 60
    while True:
        h = health(s)
        done = s.log().count('"POST /v1/convert')
        if h["running"] >= 2 and h["running"] + h["waiting"] + done >= len(threads):
            break
        assert time.time() < deadline, h
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    log = s.finish()
    # every request accepted before the signal got its whole answer
    assert all(r[0] == 200 and r[1] > 1000 for r in results), results
    assert "SIGTERM received" in log
    m = re.search(r"stopping: no new connections; (\d+) requests? in flight", log)
    assert m and int(m.group(1)) >= 2, log
    assert log.count('" 200 ') == 6 + log.count('"GET /health" 200 ')


def test_second_sigterm_cancels_the_work():
    s = Server("--workers", "1", "--stop-timeout", "60")
    data = big_csv(400000)
    result = {}

    def client():
        try:
            result["r"] = s.post("/v1/convert?to=xlsx&filename=long.csv", data, timeout=120)
        except OSError as e:
            result["r"] = ("error", str(e))

    t = threading.Thread(target=client)
    t.start()
    deadline = time.time() + 30
    while health(s)["running"] < 1:
        assert time.time() < deadline
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    s.wait_log("stopping: no new connections")
    s.proc.send_signal(signal.SIGTERM)
    t.join()
    log = s.finish()
    status, _, body = result["r"]
    assert status == 503 and json.loads(body)["error"]["message"] == "the server is stopping"
    assert "received again: hurrying" in log
