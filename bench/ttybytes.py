#!/usr/bin/python3
"""bench/ttybytes.py KEYS -- CMD...: what a program writes to its terminal
per keystroke, for bench/links.sh (is vaxdesk usable over a 9600-baud line?).

CMD runs on a pseudo-terminal of 80x24 (TERM from the environment). KEYS
is a file of lines, one keystroke or more each:
    type TEXT       each character of TEXT, one keystroke each ("typed")
    key NAME...     keys by name: Enter Tab S-Tab Esc F1..F12 C-a..C-z, or
                    one printable character ("keys": they change screens)
    settle MS       how long the output must stay quiet before the next key
                    (default 400; longer where the registry answers)
    quiet MS        wait until the output has been quiet for MS
After each keystroke the output is read until it has been quiet for the
settle time; its bytes are that keystroke's. Prints one line:
    start=B typed=N typed_bytes=B typed_max=B keys=N key_bytes=B key_max=B total=B
"""
import os
import pty
import select
import struct
import sys
import termios
import fcntl
import time

NAMED = {
    "Enter": b"\r", "Tab": b"\t", "S-Tab": b"\x1b[Z", "Esc": b"\x1b", "BS": b"\x7f",
    "Up": b"\x1b[A", "Down": b"\x1b[B", "Right": b"\x1b[C", "Left": b"\x1b[D",
    "Home": b"\x1b[H", "End": b"\x1b[F",
    "F1": b"\x1bOP", "F2": b"\x1bOQ", "F3": b"\x1bOR", "F4": b"\x1bOS",
    "F5": b"\x1b[15~", "F6": b"\x1b[17~", "F7": b"\x1b[18~", "F8": b"\x1b[19~",
    "F9": b"\x1b[20~", "F10": b"\x1b[21~", "F11": b"\x1b[23~", "F12": b"\x1b[24~",
}


def key_bytes(name):
    if name in NAMED:
        return NAMED[name]
    if name.startswith("C-") and len(name) == 3:
        return bytes([ord(name[2].lower()) - ord("a") + 1])
    return name.encode()


def drain(fd, quiet_ms, limit_s=60.0):
    """Read until nothing came for quiet_ms; the bytes read."""
    got = 0
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], quiet_ms / 1000.0)
        if not r:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        got += len(data)
    return got


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: ttybytes.py KEYS -- CMD...")
    script = open(sys.argv[1]).read().splitlines()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[3], sys.argv[3:])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = drain(fd, 1500)
    settle = 400
    typed = typed_bytes = typed_max = keys = key_bytes_total = key_max = 0
    for line in script:
        word, _, rest = line.strip().partition(" ")
        if not word or word.startswith("#"):
            continue
        if word == "settle":
            settle = int(rest)
        elif word == "quiet":
            start += drain(fd, int(rest))
        elif word == "type":
            for ch in rest:
                os.write(fd, ch.encode())
                n = drain(fd, settle)
                typed += 1
                typed_bytes += n
                typed_max = max(typed_max, n)
        elif word == "key":
            for name in rest.split():
                os.write(fd, key_bytes(name))
                n = drain(fd, settle)
                keys += 1
                key_bytes_total += n
                key_max = max(key_max, n)
        else:
            sys.exit(f"ttybytes.py: unknown line: {line}")
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        pass
    drain(fd, 200, 5)
    os.waitpid(pid, 0)
    print(f"start={start} typed={typed} typed_bytes={typed_bytes} typed_max={typed_max} "
          f"keys={keys} key_bytes={key_bytes_total} key_max={key_max} "
          f"total={start + typed_bytes + key_bytes_total}")


main()
