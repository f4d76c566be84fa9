# SPDX-License-Identifier: GPL-3.0-or-later
"""Tasks for tests/python.sh: the python plugin's values, signatures,
output, errors and interpreter life."""
import os
import sys
import threading
import time
from os.path import join  # imported: not a task

counter = 0
_hidden = 1


def echo(x):
    """return x"""
    return x


def kinds(*args):
    """the type names of the arguments"""
    return [type(a).__name__ for a in args]


def give(kind):
    """a value of each kind"""
    return {'int': -5, 'big': 2**70, 'negbig': -2**64, 'huge': 2**100,
            'float': 0.25,
            'str': 'h\u00e9llo', 'bytes': b'a\x00b', 'bool': True,
            'false': False, 'none': None, 'list': [1, [2.5, 'x']],
            'tuple': (1, (2, 3)), 'dict': {'a': 1, 'b': [2]},
            'bytearray': bytearray(b'xy'),
            'toobig': 10**5000}[kind]


def unconvertible():
    return {1, 2}


def deep_unconvertible():
    return [1, [2, object()]]


def add(a, b=10):
    return a + b


def person(name, age: int, city='Paris', *, shout=False):
    s = f'{name},{age},{city}'
    return s.upper() if shout else s


def collect(first, *args, **kwargs):
    return [first, list(args), sorted(kwargs.items())]


def div(a, b):
    return a / b


def typed(n: int):
    return n * 2


def exits(code):
    sys.exit(code)


def hard_exit(code):
    os._exit(code)


def hang():
    time.sleep(1e6)


def talk(n):
    for i in range(n):
        print('line', i)
    sys.stderr.write('to stderr\n')
    print('no newline', end='')
    return n


def read_stdin():
    return sys.stdin.read()


def pid():
    return os.getpid()


def count():
    global counter
    counter += 1
    return counter


def threads(n):
    """n threads at once (a barrier), each summing a range; their number
    and sums"""
    sums = [None] * n
    idents = set()
    barrier = threading.Barrier(n, timeout=30)

    def work(i):
        idents.add(threading.get_ident())
        barrier.wait()  # all n alive at once: n distinct idents
        sums[i] = sum(range(100000 * (i + 1)))

    ts = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [len(idents), sums]


def bigtrip(x):
    """x through the queue 'bq' and the pipe 'bp': what comes out, and
    its type's name after each"""
    import poolmon
    q = poolmon.Queue('bq')
    q.put(x)
    y = q.get(timeout=10)
    a, b = poolmon.Pipe('bp')
    a.send(y)
    z = b.recv()
    return [z, type(y).__name__, type(z).__name__]


def _private():
    pass
