# SPDX-License-Identifier: GPL-3.0-or-later
# tests/seeds_compare.py — used by tests/seeds.sh: compares what a seed's
# original code printed (python3 on examples/seeds/orig/NAME.py) with what
# its poolmon version printed (the --json events of examples/seeds/
# NAME.poolmon): the tasks' log lines, echo lines, the results that result,
# apply and map print, the items get prints.  Both sides are normalised
# (pids -> P, times -> T) and compared by the example's rule below: exact,
# sorted (the order depends on scheduling), or the rule the example needs.
#
#   python3 seeds_compare.py NAME ORIG_STDOUT POOLMON_JSON
#
# Exit 0 when they agree; otherwise 1, with both sides on stderr.
import json
import re
import sys

SUBS = [
    # pids, wherever the seeds print them
    (r'(pid=|pid:|pid为:|进程号为:)\d+', r'\1P'),
    (r'(子进程|父进程)\(\d+\)', r'\1(P)'),
    (r'^(子进程运行中:admin,22,)\d+$', r'\1P'),
    # times: time.ctime(), elapsed seconds
    (r'[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}', 'T'),
    (r'(耗时为:|耗时:)\d+\.\d+', r'\1T'),
    (r'(time:) \S+$', r'\1 T'),
]


def norm(line):
    for pat, rep in SUBS:
        line = re.sub(pat, rep, line)
    return line


def pystr(v):
    # How print() shows a value: JSON gives lists for lists (and tuples).
    return v if isinstance(v, str) else repr(v)


def pyval(v):
    if v is None:
        return None
    if isinstance(v, list):
        return [pyval(x) for x in v]
    if isinstance(v, dict):
        return {k: pyval(x) for k, x in v.items()}
    return v


def poolmon_lines(path):
    out = []
    for raw in open(path, encoding='utf-8'):
        if not raw.strip():
            continue
        e = json.loads(raw)
        kind = e.get('event')
        if kind == 'log':
            out.append(e['message'])
        elif kind == 'echo':
            out.append(e['text'])
        elif kind == 'result':
            v = e['results'] if 'results' in e else e.get('result')
            if v is not None:  # a task that returns nothing prints nothing
                out.append(pystr(pyval(v)))
        elif kind == 'get':
            out.append(pystr(pyval(e.get('item'))))
    return out


def ctime_task(line):
    m = re.match(r'^(\d+)------>T$', line)
    return int(m.group(1)) if m else None


def lock_runs(lines):
    # 1..10 then 13..40, or 3..30 then 31..40: who takes the lock first.
    a = [str(i) for i in range(1, 11)] + [str(10 + 3 * i) for i in range(1, 11)]
    b = [str(3 * i) for i in range(1, 11)] + [str(30 + i) for i in range(1, 11)]
    return lines in (a, b)


def rule(name, o, p):
    """(agree, what was compared) for example NAME, orig O, poolmon P."""
    if name in ('000_producer_consumer', '001_thread_process', '002_fork',
                '002_process_nojoin', '002_subclass', '002_pool',
                '003_numbers_letters', '003_write_read',
                '003_manager_queue', '003_executor', '003_task_done',
                '004_close_join'):
        return sorted(o) == sorted(p), 'the lines in any order'
    if name == '003_pool_worker':
        o2 = [l for l in o if not l.startswith('主程序耗时:')]
        return sorted(o2) == sorted(p) and len(o) - len(o2) == 1, \
            "the lines in any order (the seed's 主程序耗时: the tasks' times)"
    if name == '001_comparison':
        o2 = [l for l in o if not l.endswith(' time: T')]
        return o2 == p and len(o) - len(o2) == 3, \
            "the results exactly (the seed's three times: the tasks' elapsed)"
    if name == '001_lock':
        return o == p or (lock_runs(o) and lock_runs(p)), \
            'the values in order, p1 or p2 first'
    if name == '003_forever':
        return sorted(set(o)) == sorted(set(p)) and len(set(o)) == 2, \
            'the two lines each prints, for ever (seed) or five times'
    if name == '003_terminate':
        return o[-1:] == ['False'] and sorted(set(o[:-1])) == sorted(set(p)) \
            and len(p) >= 2, 'the lines before terminate (1 s), then False'
    if name == '003_queue_full':
        return p[:len(o)] == o and len(o) >= 2 and len(p) == 5, \
            "the seed's lines a prefix (its Queue's empty()/get_nowait race)"
    if name == '004_terminate':
        def ok(lines):
            ids = [ctime_task(l) for l in lines[:-1]]
            return lines[-1:] == ['ending'] and None not in ids \
                and len(set(ids)) == len(ids) and {0, 1} <= set(ids)
        return ok(o) and ok(p), \
            'tasks 0 and 1 done, each at most once, then ending (2 and 3 race terminate)'
    return o == p, 'exactly'


def main():
    name, orig, pm = sys.argv[1:4]
    o = [norm(l.rstrip('\n')) for l in open(orig, encoding='utf-8')]
    p = [norm(l) for l in poolmon_lines(pm)]
    agree, how = rule(name, o, p)
    print(how)
    if not agree:
        sys.stderr.write('seed:\n' + ''.join(f'  {l}\n' for l in o))
        sys.stderr.write('poolmon:\n' + ''.join(f'  {l}\n' for l in p))
    sys.exit(0 if agree else 1)


if __name__ == '__main__':
    main()
