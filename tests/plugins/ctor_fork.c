/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused (built for ABI major 2), but its constructor has already left a
 * sleeper behind: it forks, the child starts a new session and forks the
 * sleeper, then exits, so the sleeper is an orphan outside the loader's
 * process group.  The constructor writes the sleeper's pid to the file
 * $POOLMON_TEST_PIDFILE names, for the tests to look for it. */
#include "noop.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void leave_a_sleeper(void)
{
	int fds[2];
	if (pipe(fds) < 0)
		return;
	pid_t mid = fork();
	if (mid == 0) {
		setsid();
		pid_t sleeper = fork();
		if (sleeper == 0) {
			/* Not holding the test's pipes open if it outlives
			 * the loader (which is what the test looks for). */
			int null = open("/dev/null", O_RDWR);
			for (int fd = 0; fd < 3 && null >= 0; fd++)
				dup2(null, fd);
			close(fds[0]);
			close(fds[1]);
			for (;;)
				pause();
		}
		ssize_t put = write(fds[1], &sleeper, sizeof sleeper);
		_exit(put == sizeof sleeper ? 0 : 1);
	}
	close(fds[1]);
	pid_t sleeper = 0;
	ssize_t got = read(fds[0], &sleeper, sizeof sleeper);
	close(fds[0]);
	if (mid > 0)
		waitpid(mid, NULL, 0);
	const char *file = getenv("POOLMON_TEST_PIDFILE");
	FILE *f = file && got == sizeof sleeper ? fopen(file, "w") : NULL;
	if (f) {
		fprintf(f, "%d\n", (int)sleeper);
		fclose(f);
	}
}

NOOP_PLUGIN("ctor_fork", (POOLMON_ABI_MAJOR + 1) << 16, "", "does nothing", NULL);
