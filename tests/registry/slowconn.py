# tests/registry/slowconn.py PORT CAFILE - hold hundreds of idle and trickling
# connections to vaxregd and report what the server did with them, as
# "key value" lines for tests/registry/slowconn.sh:
#   idle_open N      idle TCP connections (no TLS) from 127.0.0.2 still open
#                    after the header deadline
#   trickle_closed N trickling connections (TLS done, one header line every
#                    second, from 127.0.0.10-19) closed by the server
#   trickle_total N
import os, socket, ssl, sys, time

port, cafile = int(sys.argv[1]), sys.argv[2]
deadline = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0

def connect(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    return s

idle = [c for c in (connect("127.0.0.2") for _ in range(300)) if c]
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False
trickle = []
for i in range(100):
    raw = connect("127.0.0.%d" % (10 + i % 10))
    if not raw:
        continue
    try:
        t = ctx.wrap_socket(raw, server_hostname="localhost")
        t.sendall(b"GET /metadata HTTP/1.1\r\nHost: localhost\r\n")
        trickle.append(t)
    except OSError:
        raw.close()
print("started", len(idle), len(trickle), flush=True)
# the normal client runs now (the shell side); keep trickling meanwhile
closed = set()
end = time.monotonic() + deadline + 25
n = 0
while time.monotonic() < end and len(closed) < len(trickle):
    for k, t in enumerate(trickle):
        if k in closed:
            continue
        try:
            t.sendall(b"X-Slow-%d: %d\r\n" % (n, k))
        except OSError:
            closed.add(k)
    n += 1
    time.sleep(1)
still = 0
for c in idle:
    c.setblocking(False)
    try:
        still += c.recv(1) != b""
    except BlockingIOError:
        still += 1
    except OSError:
        pass
print("idle_open", still)
print("trickle_closed", len(closed))
print("trickle_total", len(trickle), flush=True)
