/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one event loop: poll() over fds, signals through signalfd, and
 * deadlines.  Front ends and the engine register with it; nobody else
 * blocks. */
#ifndef POOLMON_LOOP_H
#define POOLMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pm_loop pm_loop;

typedef void (*pm_fd_fn)(void *ud, int fd, short revents);
typedef void (*pm_signal_fn)(void *ud, int signo);
/* Called before every wait: returns ms until it wants to run, -1 = never. */
typedef int (*pm_timeout_fn)(void *ud);
/* Called after every wait, whatever woke the loop. */
typedef void (*pm_tick_fn)(void *ud);

/* Blocks the watched signals in the calling thread; call before fork()ing
 * anything.  Children must call pm_loop_child_reset(). */
pm_loop *pm_loop_new(void);
void pm_loop_free(pm_loop *l);

int pm_loop_add_fd(pm_loop *l, int fd, short events, pm_fd_fn fn, void *ud);
void pm_loop_remove_fd(pm_loop *l, int fd);
/* What a watched fd is polled for from the next wait on (POLLOUT while
 * output waits, say). */
void pm_loop_set_fd_events(pm_loop *l, int fd, short events);
int pm_loop_watch_signal(pm_loop *l, int signo, pm_signal_fn fn, void *ud);
int pm_loop_add_hook(pm_loop *l, pm_timeout_fn timeout, pm_tick_fn tick,
		     void *ud);
void pm_loop_remove_hook(pm_loop *l, void *ud);

/* Waits at most max_ms (-1: no limit beyond the hooks' wishes) and
 * dispatches what happened. Returns -1 on a fatal poll error. */
int pm_loop_run_once(pm_loop *l, int max_ms);

/* In a freshly forked child: unblock signals, drop the loop's fds. */
void pm_loop_child_reset(pm_loop *l);

/* Monotonic time in seconds. */
double pm_now(void);
/* The same clock at the last timer tick (a few ms behind, ~5x cheaper):
 * for the start of a map's items. */
double pm_now_coarse(void);

#endif
