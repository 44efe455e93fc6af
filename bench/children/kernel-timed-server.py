#!/usr/bin/env python3
"""
The known-latency server of the engine-accuracy benchmarks (bench/lib/kernel-target.ts starts it):
HTTP/1.1 keep-alive, answers "ok" `delay_ms` after it reads each request, and measures each
request's true latency with the KERNEL's clock: from the software receive timestamp of the
request's first segment (SO_TIMESTAMPING, SOF_TIMESTAMPING_RX_SOFTWARE) to the software transmit
timestamp of the response (SOF_TIMESTAMPING_TX_SOFTWARE, read back from the socket's error queue).
On loopback both are the moments the bytes entered the other side's socket, so the truth holds
everything between the client's write and the client's socket having the response — including
this server's own delays in waking up to read (which a server timing itself from its own read,
as the Node target-server.ts does, leaves out and charges to the client) — and nothing of the
client's. Linux only (the timestamping API is Linux's: Documentation/networking/timestamping.rst).
Python, not Node: Node's sockets do not expose ancillary data.

argv: delay_ms. stdout, one JSON line each: {"type":"ready","port":N} once; then per command read
on stdin: "stats" -> {"type":"stats","us":[latency µs, ...],"untimed":N}; "reset" ->
{"type":"reset"}. "stop" or end of stdin: exit.
"""
import email.utils
import heapq
import json
import os
import selectors
import socket
import struct
import sys
import time

# <linux/net_tstamp.h>, <asm-generic/socket.h>: Python's socket module does not name them
SO_TIMESTAMPING = 37
SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1
SOF_TIMESTAMPING_RX_SOFTWARE = 1 << 3
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11
TIMESTAMPING = (
    SOF_TIMESTAMPING_RX_SOFTWARE
    | SOF_TIMESTAMPING_TX_SOFTWARE
    | SOF_TIMESTAMPING_SOFTWARE
    | SOF_TIMESTAMPING_OPT_TSONLY
)
# struct scm_timestamping: three struct timespec, the software stamp first
CMSG_SIZE = socket.CMSG_SPACE(3 * 16)

delay_ns = int(float(sys.argv[1] if len(sys.argv) > 1 else 0) * 1e6)
selector = selectors.DefaultSelector()
truth_us = []
untimed = 0  # requests the kernel gave no timestamp for: reported, never guessed
pending = []  # heap of (due monotonic ns, seq, conn, rx ns)
seq = 0


def stamp(ancillary):
    """The software timestamp (CLOCK_REALTIME ns) in recvmsg's ancillary data, or None."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            if sec or nsec:
                return sec * 1_000_000_000 + nsec
    return None


def response():
    # what Node's http server sends for the same reply (target-server.ts), Date included
    date = email.utils.formatdate(usegmt=True)
    return (
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
        f"Date: {date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok"
    ).encode()


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.rx = None  # kernel receive time of the first segment of the request being read


def accept(listener):
    sock, _ = listener.accept()
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    selector.register(sock, selectors.EVENT_READ, Conn(sock))


def close(conn):
    selector.unregister(conn.sock)
    conn.sock.close()


def read(conn):
    global seq
    try:
        data, ancillary, _, _ = conn.sock.recvmsg(65536, CMSG_SIZE)
    except BlockingIOError:
        return
    except OSError:
        return close(conn)
    if not data:
        return close(conn)
    if not conn.buf:
        conn.rx = stamp(ancillary)
    conn.buf += data
    # requests without a body (the engine sends GET); one at a time per connection
    while (end := conn.buf.find(b"\r\n\r\n")) >= 0:
        del conn.buf[: end + 4]
        seq += 1
        heapq.heappush(pending, (time.monotonic_ns() + delay_ns, seq, conn, conn.rx))
        conn.rx = None


def respond(conn, rx):
    global untimed
    if conn.sock.fileno() < 0:
        return
    body = response()
    try:
        sent = conn.sock.send(body)
        if sent < len(body):  # never for ~150 bytes on an idle socket; stay correct if it happens
            conn.sock.setblocking(True)
            conn.sock.sendall(body[sent:])
            conn.sock.setblocking(False)
    except OSError:
        return close(conn)
    tx = None
    # the transmit stamp is queued as the segment leaves (loopback: inside send); drain every one
    while True:
        try:
            _, ancillary, _, _ = conn.sock.recvmsg(1, CMSG_SIZE, socket.MSG_ERRQUEUE)
        except (BlockingIOError, InterruptedError):
            break
        tx = stamp(ancillary) or tx
    if rx is None or tx is None:
        untimed += 1
    else:
        truth_us.append(max(1, round((tx - rx) / 1000)))


def command(line):
    global untimed
    if line == "stats":
        say({"type": "stats", "us": truth_us, "untimed": untimed})
    elif line == "reset":
        truth_us.clear()
        untimed = 0
        say({"type": "reset"})
    elif line == "stop":
        sys.exit(0)


def say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # set on the listener, inherited by every accepted socket: a request that arrives before
    # accept() (the client writes right after connecting) is stamped too
    listener.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, TIMESTAMPING)
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, "listener")
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    say({"type": "ready", "port": listener.getsockname()[1]})
    commands = b""
    while True:
        timeout = None
        if pending:
            timeout = max(0.0, (pending[0][0] - time.monotonic_ns()) / 1e9)
        for key, _ in selector.select(timeout):
            if key.data == "listener":
                accept(listener)
            elif key.data == "stdin":
                chunk = os.read(sys.stdin.fileno(), 4096)
                if not chunk:
                    sys.exit(0)  # the parent is gone
                commands += chunk
                while b"\n" in commands:
                    line, commands = commands.split(b"\n", 1)
                    command(line.decode().strip())
            else:
                read(key.data)
        now = time.monotonic_ns()
        while pending and pending[0][0] <= now:
            _, _, conn, rx = heapq.heappop(pending)
            respond(conn, rx)


if __name__ == "__main__":
    main()
