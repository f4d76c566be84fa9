#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tui_python.sh — issue 15: a Python task's traceback is in its details.
# The details of a failed task (Enter on its row) list the task's own lines
# still in the log pane, the traceback among them, under its error.
# Skipped when configure did not build the python plugin.
. "${srcdir:-.}/tests/lib.sh"

if [ "${POOLMON_PYTHON_PLUGIN:-}" = no ] ||
	[ ! -e "$POOLMON_PLUGIN_PATH/python.so" ]; then
	skip_all "the python plugin is not built (configure found no python3-embed >= 3.11, or --without-python)"
fi
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state" PYTHONDONTWRITEBYTECODE=1
py=$(cd "$srcdir/tests/python" && pwd)

tmux_start tb 100 30 "'$POOLMON' -w 1"
expect tb '^w1 +[0-9]+ ' "the screen starts" 15
tmux_keys tb "load python:$py/pyt.py" Enter
expect tb '^  loaded pyt from python:' "pyt.py loaded" 15
tmux_keys tb 'submit pyt.div 1 0; join' Enter
expect tb '^  t1 pyt\.div\(1, 0\) failed: ZeroDivisionError: division by zero' "t1 fails"
# Esc gives the keys to the screen, Tab the focus to the tasks panel, Enter
# opens the selected task's details.
tmux_keys tb Escape
expect tb 'EscCommand' "the keys are the screen's" 5
tmux_keys tb Tab Enter
expect tb '│ task +t1 ' "the details of t1 open" 5
expect tb '│ error +ZeroDivisionError: division by zero ' "... its error" 5
expect tb '│ log +its lines in the log pane, oldest first: ' "... then its lines" 5
line=$(grep -n 'return a / b' "$py/pyt.py" | cut -d: -f1)
box=$(tmux_screen tb | sed -n 's/^..│ \(.*[^ ]\) *│.*$/\1/p')
is "$(printf '%s\n' "$box" | sed -n '/^log /,$p' | sed 's/^log .*/log/')" "log
  Traceback (most recent call last):
    File \"$py/pyt.py\", line $line, in div
      return a / b
             ~~^~~
  ZeroDivisionError: division by zero" "... the traceback, whole and in order"
done_testing
