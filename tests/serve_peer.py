#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# serve_peer.py — a raw client of a served pool for the tests: it speaks the
# protocol's lines as given, so the tests can send what poolmon -c never
# would (bad JSON, an oversized line, another protocol).  Every line it gets
# is printed as it came.  Each wait is bounded (10 s): a hang is a failure.
#
#   serve_peer.py SOCKET ACTION...
#     hello            read the server's hello and print it
#     send JSON        send a line (\n added)
#     sendfile FILE    send FILE's bytes as they are
#     sendn N          send N bytes of 'x' and a newline (an oversized line)
#     until REGEX      print lines until one matches (exit 3 if the server
#                      closes first, 4 on a timeout)
#     closed           print lines until the server closes (exit 4 on a timeout)
#     ready FILE       create FILE (the test may go on)
#     churn N          N times: connect, both hellos, a command and its done,
#                      close (prints nothing)
import re, socket, sys

BOUND = 10.0

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

class Lines:
    def __init__(self, s):
        self.s, self.buf = s, b""
    def next(self):
        while b"\n" not in self.buf:
            # Each read is bounded (not the line: a stopped peer reads
            # on when continued).
            self.s.settimeout(BOUND)
            try:
                data = self.s.recv(1 << 20)
            except socket.timeout:
                raise TimeoutError
            except ConnectionResetError:
                return None
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()

def churn(path, n):
    for i in range(n):
        s = connect(path)
        r = Lines(s)
        r.next()
        s.sendall(b'{"hello":"poolmon","protocol":1,"mode":"text"}\n'
                  b'{"id":1,"cmd":"echo hi"}\n')
        while '"done"' not in (r.next() or '"done"'):
            pass
        s.close()

def main():
    path, acts = sys.argv[1], sys.argv[2:]
    if acts and acts[0] == "churn":
        churn(path, int(acts[1]))
        return 0
    s = connect(path)
    r = Lines(s)
    i = 0
    while i < len(acts):
        a = acts[i]
        try:
            if a == "hello":
                out(r.next() or "EOF")
            elif a == "send":
                i += 1
                s.sendall(acts[i].encode() + b"\n")
            elif a == "sendfile":
                i += 1
                with open(acts[i], "rb") as f:
                    s.sendall(f.read())
            elif a == "sendn":
                i += 1
                try:
                    s.sendall(b"x" * int(acts[i]) + b"\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
            elif a == "until":
                i += 1
                pat = re.compile(acts[i])
                while True:
                    line = r.next()
                    if line is None:
                        out("EOF")
                        return 3
                    out(line)
                    if pat.search(line):
                        break
            elif a == "closed":
                while True:
                    line = r.next()
                    if line is None:
                        out("EOF")
                        break
                    out(line)
            elif a == "ready":
                i += 1
                open(acts[i], "w").close()
        except TimeoutError:
            out("TIMEOUT")
            return 4
        i += 1
    return 0

sys.exit(main())
