/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

typedef struct fd_watch {
	int fd;
	short events;
	pm_fd_fn fn;
	void *ud;
	bool removed;
} fd_watch;

typedef struct sig_watch {
	int signo;
	pm_signal_fn fn;
	void *ud;
} sig_watch;

typedef struct hook {
	pm_timeout_fn timeout;
	pm_tick_fn tick;
	void *ud;
	bool removed;
} hook;

struct pm_loop {
	fd_watch *fds;
	size_t nfds;
	sig_watch *sigs;
	size_t nsigs;
	hook *hooks;
	size_t nhooks;
	int sigfd;
	sigset_t mask;
	sigset_t old_mask;
	int dispatching; /* removals during dispatch are deferred */
};

double pm_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double pm_now_coarse(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

pm_loop *pm_loop_new(void)
{
	pm_loop *l = xcalloc(1, sizeof *l);
	sigemptyset(&l->mask);
	sigprocmask(SIG_BLOCK, NULL, &l->old_mask);
	l->sigfd = -1;
	return l;
}

void pm_loop_free(pm_loop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	free(l->fds);
	free(l->sigs);
	free(l->hooks);
	free(l);
}

int pm_loop_add_fd(pm_loop *l, int fd, short events, pm_fd_fn fn, void *ud)
{
	l->fds = xrealloc(l->fds, (l->nfds + 1) * sizeof *l->fds);
	l->fds[l->nfds++] = (fd_watch){ fd, events, fn, ud, false };
	return 0;
}

void pm_loop_set_fd_events(pm_loop *l, int fd, short events)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].removed)
			l->fds[i].events = events;
}

static void compact(pm_loop *l)
{
	size_t j = 0;
	for (size_t i = 0; i < l->nfds; i++)
		if (!l->fds[i].removed)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
	j = 0;
	for (size_t i = 0; i < l->nhooks; i++)
		if (!l->hooks[i].removed)
			l->hooks[j++] = l->hooks[i];
	l->nhooks = j;
}

void pm_loop_remove_fd(pm_loop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd)
			l->fds[i].removed = true;
	if (!l->dispatching)
		compact(l);
}

int pm_loop_watch_signal(pm_loop *l, int signo, pm_signal_fn fn, void *ud)
{
	l->sigs = xrealloc(l->sigs, (l->nsigs + 1) * sizeof *l->sigs);
	l->sigs[l->nsigs++] = (sig_watch){ signo, fn, ud };
	sigaddset(&l->mask, signo);
	if (sigprocmask(SIG_BLOCK, &l->mask, NULL) < 0)
		return -1;
	int fd = signalfd(l->sigfd, &l->mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	l->sigfd = fd;
	return 0;
}

int pm_loop_add_hook(pm_loop *l, pm_timeout_fn timeout, pm_tick_fn tick,
		     void *ud)
{
	l->hooks = xrealloc(l->hooks, (l->nhooks + 1) * sizeof *l->hooks);
	l->hooks[l->nhooks++] = (hook){ timeout, tick, ud, false };
	return 0;
}

void pm_loop_remove_hook(pm_loop *l, void *ud)
{
	for (size_t i = 0; i < l->nhooks; i++)
		if (l->hooks[i].ud == ud)
			l->hooks[i].removed = true;
	if (!l->dispatching)
		compact(l);
}

static void dispatch_signals(pm_loop *l)
{
	struct signalfd_siginfo si;
	while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		for (size_t i = 0; i < l->nsigs; i++)
			if (l->sigs[i].signo == (int)si.ssi_signo)
				l->sigs[i].fn(l->sigs[i].ud, (int)si.ssi_signo);
	}
}

int pm_loop_run_once(pm_loop *l, int max_ms)
{
	int timeout = max_ms;
	l->dispatching++;
	for (size_t i = 0; i < l->nhooks; i++) {
		if (l->hooks[i].removed || !l->hooks[i].timeout)
			continue;
		int t = l->hooks[i].timeout(l->hooks[i].ud);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
	}
	l->dispatching--;
	if (!l->dispatching)
		compact(l);

	size_t n = l->nfds + 1;
	struct pollfd *p = xcalloc(n, sizeof *p);
	for (size_t i = 0; i < l->nfds; i++)
		p[i] = (struct pollfd){ .fd = l->fds[i].fd,
					.events = l->fds[i].events };
	p[l->nfds] = (struct pollfd){ .fd = l->sigfd, .events = POLLIN };
	size_t nwatch = l->nfds;
	int r = poll(p, n, timeout);
	if (r < 0 && errno != EINTR) {
		free(p);
		return -1;
	}
	l->dispatching++;
	if (r > 0) {
		if (p[nwatch].revents)
			dispatch_signals(l);
		for (size_t i = 0; i < nwatch; i++) {
			if (!p[i].revents)
				continue;
			/* The watch list may have grown; find by fd. */
			for (size_t k = 0; k < l->nfds; k++) {
				fd_watch *w = &l->fds[k];
				if (w->fd == p[i].fd && !w->removed) {
					w->fn(w->ud, w->fd, p[i].revents);
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < l->nhooks; i++)
		if (!l->hooks[i].removed && l->hooks[i].tick)
			l->hooks[i].tick(l->hooks[i].ud);
	l->dispatching--;
	if (!l->dispatching)
		compact(l);
	free(p);
	return 0;
}

void pm_loop_child_reset(pm_loop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	for (size_t i = 0; i < l->nsigs; i++)
		signal(l->sigs[i].signo, SIG_DFL);
	sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
}
