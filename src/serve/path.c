/* SPDX-License-Identifier: GPL-3.0-or-later */
/* path.c — where served pools live: a NAME checked, this user's directory
 * of sockets ($XDG_RUNTIME_DIR/poolmon, else /tmp/poolmon-UID: 0700, his
 * own, or refused), NAME's socket in it, and `poolmon ls` (each socket
 * asked for its status; a stale one said so). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "serve.h"
#include "util.h"

bool pm_serve_name_ok(const char *name, char *err, size_t len)
{
	if (!*name)
		return pm_err(err, len, "a served pool's name is empty"), false;
	if (strlen(name) > PM_SERVE_NAME_MAX)
		return pm_err(err, len,
			      "a served pool's name is at most %d bytes (got %zu)",
			      PM_SERVE_NAME_MAX, strlen(name)),
		       false;
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return pm_err(err, len,
			      "'%s' is not a served pool's name (no '/', not . or ..)",
			      name),
		       false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return pm_err(err, len,
				      "a served pool's name has no control characters"),
			       false;
	return true;
}

/* dir is ours, a directory (not a link), closed to others. */
static int check_dir(const char *dir, char *err, size_t len)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return pm_err(err, len, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pm_err(err, len, "%s is not a directory", dir);
	if (st.st_uid != getuid())
		return pm_err(err, len, "%s belongs to uid %u, not to you (%u)",
			      dir, (unsigned)st.st_uid, (unsigned)getuid());
	if (st.st_mode & 077)
		return pm_err(err, len,
			      "%s is open to others (mode %03o): it must be 0700",
			      dir, (unsigned)(st.st_mode & 0777));
	return 0;
}

int pm_serve_dir(char *buf, size_t size, bool create, char *err, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;
	if (xdg && *xdg)
		n = snprintf(buf, size, "%s/poolmon", xdg);
	else
		n = snprintf(buf, size, "/tmp/poolmon-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= size)
		return pm_err(err, len, "the socket directory's path is too long");
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return pm_err(err, len, "cannot make %s: %s", buf,
			      strerror(errno));
	struct stat st;
	if (!create && lstat(buf, &st) < 0) {
		int e = errno;
		pm_err(err, len, "%s: %s", buf, strerror(e));
		errno = e;
		return -1;
	}
	return check_dir(buf, err, len);
}

int pm_serve_path(const char *name, char *buf, size_t size, bool create,
		  char *err, size_t len)
{
	size_t max = sizeof ((struct sockaddr_un *)0)->sun_path;
	if (size > max)
		size = max;
	if (strchr(name, '/')) { /* a path given as it is */
		if (strlen(name) >= size)
			return pm_err(err, len, "socket path too long: %s", name);
		strcpy(buf, name);
		return 0;
	}
	if (!pm_serve_name_ok(name, err, len))
		return -1;
	char dir[256];
	if (pm_serve_dir(dir, sizeof dir, create, err, len) < 0)
		return -1;
	int n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		return pm_err(err, len, "socket path too long: %s/%s", dir, name);
	return 0;
}

/* ---- poolmon ls ---------------------------------------------------------- */

/* A served pool's workers and state, from its status answer. */
static void ask_status(pm_client *c, long *workers, char *state, size_t n)
{
	char err[256];
	const char *line;
	*workers = -1;
	snprintf(state, n, "?");
	if (pm_client_send(c, 1, "status") < 0)
		return;
	while (pm_client_read_line(c, true, &line, err, sizeof err) == 1) {
		json_t *o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		json_t *pool = json_object_get(json_object_get(o, "json"), "pool");
		if (pool) {
			*workers = (long)json_integer_value(
				json_object_get(pool, "workers"));
			const char *s =
				json_string_value(json_object_get(pool, "state"));
			snprintf(state, n, "%s", s ? s : "?");
		}
		bool done = json_is_true(json_object_get(o, "done"));
		json_decref(o);
		if (done)
			break;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pm_serve_ls(void)
{
	char dir[256], err[512];
	if (pm_serve_dir(dir, sizeof dir, false, err, sizeof err) < 0) {
		if (errno == ENOENT)
			return 0; /* nothing was ever served */
		fprintf(stderr, "poolmon: %s\n", err);
		return 1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "poolmon: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISSOCK(st.st_mode)) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	printf("%-20s %-8s %-8s %s\n", "NAME", "PID", "WORKERS", "STATE");
	for (size_t i = 0; i < n; i++) {
		pm_client *c = pm_client_connect(names[i], "json", NULL, err,
						 sizeof err);
		if (!c) {
			bool stale = strstr(err, "stale") != NULL;
			printf("%-20s %-8s %-8s %s\n", names[i], "-", "-",
			       stale ? "stale" : "unreachable");
		} else {
			long workers;
			char state[32];
			ask_status(c, &workers, state, sizeof state);
			printf("%-20s %-8ld %-8ld %s\n", names[i],
			       (long)pm_client_server_pid(c), workers, state);
			pm_client_close(c);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
