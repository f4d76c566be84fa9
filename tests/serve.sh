#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# serve.sh — a pool served on a socket (#17): --serve NAME, the hello and
# its version, a command answered by its id, -c's text and --json output
# equal to the local run's, events to each subscriber, a join that blocks
# nobody else, malformed and oversized lines, names checked, a stale socket
# replaced, a live one refused, poolmon ls.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/serve_lib.sh"

ok "--serve p1 starts and says where" serve p1 -w 2
p1=$server
ok "the socket is 0600" test "$(stat -c %a "$sockdir/p1")" = 600
is "$(stat -c %a "$sockdir")" 700 "its directory is 0700"

# ---- hello, a command by its id --------------------------------------------
version=$("$poolmon" --version | sed 's/^poolmon //')
out=$(peer "$sockdir/p1" hello \
	send '{"hello":"poolmon","protocol":1,"mode":"text"}' \
	send '{"id":7,"cmd":"apply square 7"}' until '"done"')
is "$(sed -n 1p <<<"$out")" \
	"{\"hello\":\"poolmon\",\"protocol\":1,\"version\":\"$version\",\"pool\":\"p1\",\"pid\":$p1}" \
	"the server's hello: protocol 1, the version, the pool, its pid"
is "$(sed -n '2,$p' <<<"$out")" '{"id":7,"out":"49"}
{"id":7,"done":true,"errors":0}' "apply square 7 answered by its id, then done"

out=$(peer "$sockdir/p1" hello \
	send '{"hello":"poolmon","protocol":1,"mode":"json"}' \
	send '{"id":3,"cmd":"bogus; echo hi"}' until '"done"' | sed 1d)
is "$out" '{"id":3,"json":{"event":"error","command":"bogus","message":"unknown command (try '"'"'help'"'"')"}}
{"id":3,"json":{"event":"echo","text":"hi"}}
{"id":3,"done":true,"errors":1}' "json mode: the local --json objects, an error counted in done"

out=$(peer "$sockdir/p1" hello \
	send '{"hello":"poolmon","protocol":2,"mode":"text"}' closed | sed 1d)
is "$out" '{"error":"protocol 2 not supported (server speaks 1)"}
EOF' "another protocol: an error and close"

# ---- -c: the same output as the local run -----------------------------------
# Worker pids and their shares of the work differ between two pools, and
# so does how a map's items group into task_range events: the worker rows'
# numbers are masked, the ranges summed by state (queued, done), the workers' events left
# out (a served pool's started before the client came), and so are the
# running events of single items the manager happened to see running.
norm_text() { sed -E '/^w[0-9]+ /{s/[0-9]+/N/g; s/ [RSDT] / K /}'; }
norm_json() {
	python3 -c '
import json, sys
ranges = {}
for l in sys.stdin:
    o = json.loads(l)
    e = o["event"]
    if e == "worker":
        continue
    if e == "task" and o["state"] == "running":
        continue  # an item the manager saw running on its worker: timing
    if e == "task_range":  # "running" may be skipped by an item seen done
        if o["state"] != "running":
            ranges[o["state"]] = ranges.get(o["state"], 0) + o["count"]
        continue
    if e == "result":  # short enough for a diagnostic; still exact
        r = o["results"]
        o["results"] = [len(r), sum(r), r[:3], r[-3:]]
    if e == "status":
        for w in o["workers"]:
            for k in ("pid", "cpu", "rss_kb", "done", "kernel_state"):
                w[k] = "N"
    print(json.dumps(o, sort_keys=True))
print(json.dumps(ranges, sort_keys=True))'
}
cmds='map square 1..1000; status'
ok "a fresh served pool for the comparison" serve cmp -w 2
local_out=$("$poolmon" -w 2 -x "$cmds" 2>&1 | norm_text)
remote_out=$("$poolmon" -c cmp -x "$cmds" 2>&1 | norm_text)
is "$remote_out" "$local_out" "-c -x 'map square 1..1000; status': the local text"
like "$remote_out" '^\[1, 4, 9, .*, 1000000\]' "... the map's results"
kill $server
wait_gone $server
is $? 143 "SIGTERM ends a served pool with 128+15"
ok "a fresh served pool for the json comparison" serve cmpj -w 2
local_out=$("$poolmon" -w 2 -j -x "$cmds" | norm_json)
remote_out=$("$poolmon" -c cmpj -j -x "$cmds" | norm_json)
is "$remote_out" "$local_out" "-c --json -x '$cmds': the local JSON objects"
like "$remote_out" '"done": 1000' "... 1000 items done in its ranges"

out=$("$poolmon" -c p1 -x 'echo a' -x 'bogus' -x 'echo b' 2>&1)
is "$out" "a
-x:2: error: bogus: unknown command (try 'help')
b" "-c: errors say -x:N: as the local run's"
long=$(head -c 70000 /dev/zero | tr '\0' x)
is "$("$poolmon" -c p1 -x "echo $long" 2>&1)" "$("$poolmon" -w 1 -x "echo $long" 2>&1)" \
	"-c: a line over 65536 bytes refused as the local run refuses it"
"$poolmon" -c p1 -x 'bogus' 2>/dev/null
is $? 1 "-c: a command's error exits 1"
"$poolmon" -c p1 -x 'echo ok' >/dev/null
is $? 0 "-c: no error exits 0"
# The events' fields that differ between two pools (times, pids, ids) out.
kinds() { python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["event"] != "worker":
        print(o["event"], o.get("state", ""), o.get("result", ""), o.get("text", ""))'
}
batch=$(printf 'echo one\napply square 3\n')
is "$("$poolmon" -c p1 --batch --json <<<"$batch" | kinds)" \
	"$("$poolmon" -w 2 --batch --json <<<"$batch" | kinds)" \
	"-c --batch --json: stdin's lines, the local --json objects"

# ---- subscribers: events to each -------------------------------------------
ready=$TEST_TMPDIR/ready
for i in 1 2; do
	python3 "$peer_py" "$sockdir/p1" hello \
		send '{"hello":"poolmon","protocol":1,"mode":"text","subscribe":["events"]}' \
		ready "$ready.$i" until '"result":121' >"$TEST_TMPDIR/sub$i" &
	eval "sub$i=\$!"
done
wait_for 10 test -e "$ready.1" -a -e "$ready.2"
"$poolmon" -c p1 -x 'apply square 11' >/dev/null
wait $sub1; r1=$?
wait $sub2; r2=$?
is "$r1/$r2" 0/0 "both subscribers got the task's done event"
for i in 1 2; do
	like "$(cat "$TEST_TMPDIR/sub$i")" '^\{"event":\{"event":"task","id":"t[0-9]+","task":"demo.square","state":"done","args":\[11\],"result":121' \
		"subscriber $i: {\"event\":{...}} as the --json contract's"
done

# ---- "heard": an event a client's own running request heard ---------------
rm -f "$ready.1" "$ready.2"
python3 "$peer_py" "$sockdir/p1" hello \
	send '{"hello":"poolmon","protocol":1,"mode":"text","subscribe":["events"]}' \
	ready "$ready.2" until '"result":144' >"$TEST_TMPDIR/passive" &
passive=$!
wait_for 10 test -e "$ready.2"
python3 "$peer_py" "$sockdir/p1" hello \
	send '{"hello":"poolmon","protocol":1,"mode":"text","subscribe":["events"]}' \
	send '{"id":7,"cmd":"apply square 12"}' until '"id":7,"done"' >"$TEST_TMPDIR/asker"
is "$?" 0 "a subscriber's own apply is answered"
wait $passive
is "$(grep -c '"result":144' "$TEST_TMPDIR/asker")" 1 "the asker got the task's done event once"
like "$(grep '"result":144' "$TEST_TMPDIR/asker")" '^\{"event":\{"event":"task".*"result":144.*\},"heard":true\}$' \
	"... marked heard: its own interpreter heard it while its request ran"
like "$(grep '"result":144' "$TEST_TMPDIR/passive")" '^\{"event":\{"event":"task".*"result":144[^}]*\}\}$' \
	"... the other subscriber's copy is not marked heard"

# ---- a join waits for its client only --------------------------------------
"$poolmon" -c p1 -x 'submit sleep 20000; join' >/dev/null 2>&1 &
joiner=$!
wait_for 10 bash -c "'$poolmon' -c p1 -x status | grep -q 'demo.sleep'"
out=$(timeout 10 "$poolmon" -c p1 -x 'apply square 5')
is "$out" 25 "another client is answered while one waits in join"
ok "... and the join still waits" kill -0 $joiner
kill -INT $joiner
wait $joiner
is $? 130 "Ctrl-C of the joining client: its wait interrupted, 128+2"
"$poolmon" -c p1 -x 'terminate pool' -x 'pool 2' >/dev/null 2>&1

# ---- bad lines ---------------------------------------------------------------
out=$(peer "$sockdir/p1" hello send '{"hello":"poolmon","protocol":1}' \
	send '{not json' send '[1]' send '{"cmd":"echo x"}' send '{"id":1}' \
	send '{"id":2,"cmd":"echo still here"}' until '"done"' | sed 1d)
like "$out" '^\{"error":"not a JSON object: ' "malformed JSON: an error"
like "$out" '\{"error":"not a JSON object: another JSON value"\}' "a JSON array: an error"
like "$out" '\{"error":"a request needs an integer \\"id\\""\}' "no id: an error"
like "$out" '\{"id":1,"error":"a request needs \\"cmd\\", ' "no cmd: an error"
like "$out" '\{"id":2,"out":"still here"\}' "... and the connection goes on"

out=$(peer "$sockdir/p1" hello send '{"hello":"poolmon","protocol":1}' \
	sendn 1048577 closed | sed 1d)
is "$out" '{"error":"line too long (max 1048576 bytes)"}
EOF' "a line over 1 MiB: the error, then a clean close"
{ printf '{"id":1,"cmd":"echo '; head -c 1000000 /dev/zero | tr '\0' y
  printf '"}\n'; } >"$TEST_TMPDIR/big"
out=$(peer "$sockdir/p1" hello send '{"hello":"poolmon","protocol":1}' \
	sendfile "$TEST_TMPDIR/big" until '"done"' | sed 1d | cut -c1-40)
like "$out" '"out":"yyyy' "a line of 1 MB is taken"
out=$(peer "$sockdir/p1" hello send '{"hello":"poolmon","protocol":1}' \
	send '{"id":5,"complete":{"before":"apply ","prefix":"squ"}}' until '"candidates"' | sed 1d)
is "$out" '{"id":5,"candidates":["square"]}' "complete: the candidates"

# ---- names, a live server refused, a stale socket replaced ------------------
for bad in "" "a/b" "$(printf 'x%.0s' $(seq 65))"; do
	out=$("$poolmon" --serve "$bad" 2>&1)
	is "$?/$(grep -c 'served pool' <<<"$out")" 2/1 "--serve '${bad:0:10}…': refused with a message"
done
out=$("$poolmon" --serve p1 2>&1)
is "$?: $out" "1: poolmon: a pool is already served as p1 (pid $p1)" \
	"a second --serve of a live NAME is refused with the first's pid"
ok "the first still answers" test "$("$poolmon" -c p1 -x 'echo x')" = x

serve stale -w 1
kill -9 $server
wait $server 2>/dev/null
ok "a killed server leaves its socket" test -S "$sockdir/stale"
out=$("$poolmon" ls)
like "$out" '^stale +- +- +stale$' "poolmon ls: the stale socket listed as stale"
like "$out" "^p1 +$p1 +2 +running$" "poolmon ls: a live pool, its pid, workers, state"
out=$("$poolmon" -c stale -x status 2>&1)
is "$?" 1 "-c to a stale socket exits 1"
like "$out" 'no pool is served as stale \(a stale socket' "... saying it is stale"
ok "--serve replaces the stale socket" serve stale -w 1
is "$("$poolmon" -c stale -x 'apply square 4')" 16 "... and serves"

# ---- quit from a client stops the pool, the socket goes ----------------------
"$poolmon" -c stale -x quit
is $? 0 "quit from a client: done"
wait_gone $server
is $? 0 "... the server ends, 0"
ok "... its socket is gone" test ! -e "$sockdir/stale"
kill -TERM $p1
wait_for 10 test ! -e "$sockdir/p1"
ok "SIGTERM: the server ends, its socket unlinked" test ! -e "$sockdir/p1"
no_reports
done_testing
