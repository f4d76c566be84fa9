#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# htop's F3 search, F4 filter and F6 sort in the workers and tasks tables,
# and the commands they run (search TEXT, filter TEXT, sort COLUMN); the
# mouse wheel moves the selection both ways.  Before, F3/F4/F6 did
# nothing and the wheel only went up.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

lacks() { ! tmux_has "$1" "$2"; }
row_like() { tmux_row "$1" "$2" | grep -Eq -- "$3"; }
expect_row() {
	if wait_for 10 row_like "$1" "$2" "$3"; then pass "$4"; else
		fail "$4" "$(tmux_screen "$1")"
	fi
}
to_screen() {
	tmux_keys "$1" Escape
	tmux_wait "$1" 'EscCommand' 5
}
# The ids of the workers table's rows, in order, on one line.
worker_ids() { tmux_screen "$1" | grep -Eo '^[wp][0-9]+ ' | tr -d ' ' | tr '\n' ' '; }
# The ids of the tasks panel's rows.
task_ids() { tmux_screen "$1" | grep -Eo '^t[0-9]+ ' | tr -d ' ' | tr '\n' ' '; }
ids_are() { [ "$("$1" "$2")" = "$3" ]; }
# expect_ids FN WIN "IDS " NAME
expect_ids() {
	if wait_for 10 ids_are "$1" "$2" "$3"; then pass "$4"; else
		fail "$4" "got '$("$1" "$2")'; $(tmux_screen "$2")"
	fi
}
# The question t asks about the selected row, then n.
asks() {
	tmux_keys "$1" t
	if tmux_wait "$1" "Terminate $2\\? \\[y/N\\]" 5; then pass "$3"; else
		fail "$3" "$(tmux_screen "$1")"
	fi
	tmux_keys "$1" n
	wait_for 5 lacks "$1" 'Terminate '
}

# TERM=xterm-256color: SGR mouse sequences (ESC [ < B ; X ; Y M, kmous
# ESC [ <), sent as bytes below; Shift-F3 is ESC [ 1 ; 2 R (kf15).
tmux_start s 100 40 "TERM=xterm-256color '$POOLMON' -w 3"
if ! tmux_wait s '^w3 +[0-9]+ ' 15; then
	fail "the screen comes up" "$(tmux_screen s)"
	done_testing
fi

# ---- sort --------------------------------------------------------------------
tmux_keys s 'sort id order=desc' Enter
expect_ids worker_ids s "w3 w2 w1 " "sort id order=desc: w3 w2 w1"
expect s ' sort:id desc$' "the title line says how the table is sorted"
tmux_keys s 'sort' Enter
expect s '^  workers: by id desc; columns: id pid state task elapsed cpu rss thr ctxsw done restarts$' \
	"sort alone says the order and lists the columns"
tmux_keys s 'sort none' Enter
expect_ids worker_ids s "w1 w2 w3 " "sort none: the table's own order"
tmux_keys s 'sort bogus' Enter
expect s "^! error: sort: no column 'bogus' in the workers table \\(id pid state task elapsed" \
	"an unknown column is refused"
tmux_keys s 'sort invert' Enter
expect s "^! error: sort: the workers table is in its own order: nothing to invert$" \
	"invert without a sort is refused"
expect_ids worker_ids s "w1 w2 w3 " "and changes nothing"

# F6: the chooser; Enter sorts by the highlighted column, again inverts.
to_screen s
tmux_keys s F6
expect s '^ Sort by ' "F6 opens the sort-by chooser"
expect s '^Sort by: Up/Down, Enter' "its keys on the bottom line"
tmux_keys s Enter
expect s '^poolmon> sort id table=workers$' "Enter runs 'sort id table=workers'"
expect_ids worker_ids s "w1 w2 w3 " "sorted by id, low to high"
tmux_keys s F6
tmux_wait s '^ Sort by ' 5
tmux_keys s Enter
expect s '^poolmon> sort invert table=workers$' "the same column again runs 'sort invert'"
expect_ids worker_ids s "w3 w2 w1 " "w3 w2 w1"
tmux_keys s I
expect s '^poolmon> sort invert$' "I runs 'sort invert'"
expect_ids worker_ids s "w1 w2 w3 " "back to w1 w2 w3"
# The selection goes with its row when the sort moves it (as htop).
tmux_keys s g
asks s w1 "w1 is selected, on top"
tmux_keys s ':' 'sort id order=desc' Enter
expect_ids worker_ids s "w3 w2 w1 " "sorted high to low, w1 at the bottom"
to_screen s
asks s w1 "the selection went with w1"
tmux_keys s ':' 'sort none' Enter
expect_ids worker_ids s "w1 w2 w3 " "sort none"
to_screen s
asks s w1 "and with w1 back on top"
tmux_keys s F6 Down Down Escape
expect s 'EscCommand' "Esc closes the chooser"
lacks_sort_cmd() { ! tmux_has s '^poolmon> sort state'; }
ok "and sorts nothing" lacks_sort_cmd

# ---- filter ------------------------------------------------------------------
tmux_keys s F4
expect s '^Filter: +Enter:done Esc:clear' "F4 opens the filter line"
tmux_keys s w 2
expect_ids worker_ids s "w2 " "each key filters at once: only w2"
expect s ' filter:w2 \(2 hidden\)' "the title says the filter and what it hides"
tmux_keys s Enter
expect s '^poolmon> filter "w2" table=workers$' "Enter runs the filter command"
expect_ids worker_ids s "w2 " "the filter stays"
tmux_keys s F4
expect s '^Filter: w2 ' "F4 again shows the filter to edit"
tmux_keys s Escape
expect s '^poolmon> filter table=workers$' "Esc clears it with 'filter'"
expect_ids worker_ids s "w1 w2 w3 " "every row is back"
tmux_keys s ':' 'filter IDLE' Enter
expect_ids worker_ids s "w1 w2 w3 " "filter matches any case (the state)"
tmux_keys s 'filter busy' Enter
expect_ids worker_ids s "" "filter busy: no idle worker left"
tmux_keys s 'filter' Enter
expect_ids worker_ids s "w1 w2 w3 " "filter alone: all rows"


# ---- search ------------------------------------------------------------------
to_screen s
tmux_keys s F3
expect s '^Search: +F3:next' "F3 opens the search line"
tmux_keys s w 3
expect s '^Search: w3 ' "what is typed shows"
tmux_keys s Enter
asks s w3 "typing 'w3' selected w3"
tmux_keys s F3 w
tmux_wait s '^Search: w ' 5
tmux_keys s Enter
asks s w1 "a new search starts from the top: w1"
tmux_keys s F3 w F3 F3
tmux_keys s Enter
asks s w3 "F3 twice more: the next matches, w2 then w3"
tmux_keys s F3 w S-F3
tmux_keys s Enter
asks s w3 "Shift-F3 from w1: the previous match, around the end"
tmux_keys s ':' 'search w2' Enter
expect s '^poolmon> search w2$' "the search command"
to_screen s
asks s w2 "search w2 selected w2"
tmux_keys s ':' 'search zz' Enter
expect s "^! error: search: no row of the workers table contains 'zz'$" \
	"a search that finds nothing says so"

# ---- the tasks table ---------------------------------------------------------
tmux_keys s 'map square 1..6' Enter
expect s '^  \[1, 4, 9, 16, 25, 36\]$' "six tasks done"
expect_ids task_ids s "t6 t5 t4 t3 t2 t1 " "the tasks panel, newest first"
tmux_keys s 'sort id table=tasks order=asc' Enter
expect_ids task_ids s "t1 t2 t3 t4 t5 t6 " "sort id order=asc table=tasks"
tmux_keys s 'sort result table=tasks' Enter
expect_ids task_ids s "t1 t2 t3 t4 t5 t6 " "sort result: numbers as numbers (4 before 16)"
tmux_keys s 'sort result table=tasks order=desc' Enter
expect_ids task_ids s "t6 t5 t4 t3 t2 t1 " "sort result order=desc"
tmux_keys s 'filter "(4)" table=tasks' Enter
expect_ids task_ids s "t4 " "filter (4) on the tasks: t4 only"
tmux_keys s 'filter table=tasks' Enter
expect_ids task_ids s "t6 t5 t4 t3 t2 t1 " "filter alone: all tasks again"
tmux_keys s 'search 25 table=tasks' Enter
to_screen s
asks s t5 "search 25 table=tasks selected t5 (its result)"
tmux_keys s F4 '(2'
expect_ids task_ids s "t2 " "F4 in the tasks panel filters the tasks"
tmux_keys s Escape
expect s '^poolmon> filter table=tasks$' "Esc clears it"
tmux_keys s F3 'square(3'
tmux_keys s Enter
asks s t3 "F3 in the tasks panel: t3"
tmux_keys s F6
expect s '^ Sort by ' "F6 in the tasks panel"
expect s '^ call ' "the chooser lists the tasks' columns"

# ---- a worker's task ----------------------------------------------------------
tmux_keys s Escape
wait_for 5 lacks s '^ Sort by '
tmux_keys s ':' 'sort none table=tasks' Enter
tmux_keys s 'submit sleep 60000' Enter
expect s '^w1 +[0-9]+ busy .* t7 demo\.sleep\(600' "w1 runs t7 (its call cut by the columns at 100)"
tmux_keys s 'filter demo.SLEEP table=workers' Enter
expect_ids worker_ids s "w1 " "filter by the task a worker runs"
tmux_keys s 'filter table=workers; search sleep table=workers' Enter
expect s '^poolmon> filter table=workers; search sleep table=workers$' "search by the task's name"
to_screen s
asks s w1 "it selected w1"
tmux_keys s ':' 'terminate t7' Enter
expect s '^w1 +[0-9]+ idle' "w1 idle again"

# ---- the wheel ---------------------------------------------------------------
to_screen s # the workers panel has the focus since the search above
tmux_keys s g
# wheel B: the SGR press of button B at column 10, row 5, as bytes.
wheel() {
	tmx send-keys -t main:s -H $(printf '\033[<%d;10;5M' "$1" | od -An -tx1)
}
wheel 65 # wheel down (BUTTON5)
asks s w2 "the wheel down moves the selection down: w2"
wheel 65
asks s w3 "again: w3"
wheel 64 # wheel up (BUTTON4)
asks s w2 "the wheel up moves it up: w2"

# ---- without a screen ----------------------------------------------------------
for c in 'search x' 'filter x' 'sort id'; do
	out=$("$POOLMON" -x "$c" 2>&1)
	is "$out" "-x:1: error: ${c%% *}: only on the screen (not in --batch, --script or -x)" \
		"'$c' is refused without a screen"
done

tmux_keys s ':' 'quit' Enter
expect s '^exit=0' "quit"
done_testing
