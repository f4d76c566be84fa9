/* SPDX-License-Identifier: GPL-3.0-or-later */
/* serve.h — a pool served on a Unix socket (src/serve/), and the clients
 * that talk to it: `poolmon --serve NAME`, the screen's `serve NAME`,
 * `poolmon -c NAME -x/--batch`, `poolmon ls`, and the attached screen
 * (`poolmon attach NAME`), which reuses the client functions below.  The
 * protocol (JSON lines, version 1) is the man page's PROTOCOL section.
 * No curses here. */
#ifndef POOLMON_SERVE_H
#define POOLMON_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli.h"
#include "engine.h"
#include "loop.h"

#define PM_SERVE_PROTOCOL 1
#define PM_SERVE_NAME_MAX 64
#define PM_SERVE_LINE_MAX (1024 * 1024) /* a client's line, in bytes */
#define PM_SERVE_BUFFER (4 * 1024 * 1024) /* a client's output, default */

/* ---- names and paths (path.c) ------------------------------------------ */

/* NAME is a served pool's name: not empty, at most 64 bytes, no '/', not
 * "." or "..".  false with why in err. */
bool pm_serve_name_ok(const char *name, char *err, size_t len);
/* The directory of this user's sockets ($XDG_RUNTIME_DIR/poolmon, else
 * /tmp/poolmon-UID), made 0700 if missing (create) and refused if it is
 * not a directory of this user's closed to others.  -1 with why. */
int pm_serve_dir(char *buf, size_t size, bool create, char *err, size_t len);
/* The socket of NAME, or NAME itself when it holds a '/' (a path). */
int pm_serve_path(const char *name, char *buf, size_t size, bool create,
		  char *err, size_t len);

/* ---- the server (server.c, conn.c) --------------------------------------- */

typedef struct pm_serve pm_serve;

/* Serves the engine on NAME's socket from the loop: a stale socket (its
 * server gone) is replaced; a live one is refused ("a pool is already
 * served as NAME (pid P)").  NULL with why in err. */
pm_serve *pm_serve_start(pm_engine *e, pm_loop *loop, const char *name,
			 char *err, size_t len);
/* Closes every connection, unlinks the socket.  NULL is fine. */
void pm_serve_stop(pm_serve *s);
const char *pm_serve_name(const pm_serve *s);
const char *pm_serve_socket(const pm_serve *s);
/* A client's `quit`: called once its answer is sent (the pool is to
 * stop).  Without one the server only notes it (pm_serve_quit_requested). */
void pm_serve_set_quit(pm_serve *s, void (*fn)(void *ud), void *ud);
bool pm_serve_quit_requested(const pm_serve *s);
/* The attached screen's model: a malloc'd JSON object, sent to "model"
 * subscribers at most every 100 ms and only when it changed. */
void pm_serve_set_snapshot(pm_serve *s, char *(*snapshot)(void *ud),
			   void *ud);
size_t pm_serve_client_count(const pm_serve *s);
/* The snapshot function every server started from now on gets (the
 * front end's: ui/snapshot.c's ui_snapshot_json). */
void pm_serve_set_default_snapshot(char *(*snapshot)(void *ud), void *ud);

/* `poolmon --serve NAME`: serves until SIGTERM, SIGINT, SIGHUP or a
 * client's quit; says where on stderr.  Returns main's exit status. */
int pm_serve_headless(pm_engine *e, pm_loop *loop, const char *name);

/* The screen's `serve NAME|off` (pm_cli_set_serve's hook): ud is a
 * pm_serve_hook the front end keeps; `quit` from a client quits cli. */
typedef struct pm_serve_hook {
	pm_engine *e;
	pm_loop *loop;
	pm_cli *cli; /* the screen's interpreter */
	pm_serve *serve;
} pm_serve_hook;
bool pm_serve_command(void *ud, const char *name, char *msg, size_t len);

/* ---- the client (client.c) ----------------------------------------------- */

typedef struct pm_client pm_client;

/* Connects to NAME (or a path), reads the server's hello and sends ours:
 * mode "text" or "json", subscribe a NULL-ended list ("events", "model")
 * or NULL.  NULL with why in err (no such pool, a stale socket, refused,
 * another protocol). */
pm_client *pm_client_connect(const char *name, const char *mode,
			     const char *const *subscribe, char *err,
			     size_t len);
void pm_client_close(pm_client *c);
/* The socket, to watch for reading in a poll loop (it is non-blocking). */
int pm_client_fd(const pm_client *c);
/* The server's pid and pool name (from its hello). */
pid_t pm_client_server_pid(const pm_client *c);
const char *pm_client_pool(const pm_client *c);
/* A command line as request id: {"id":ID,"cmd":LINE}; file/line (or
 * NULL, 0) are where it came from, for errors' FILE:LINE.  Requests are
 * queued and written as the socket takes them (pm_client_flush). */
int pm_client_send(pm_client *c, long id, const char *line);
int pm_client_send_from(pm_client *c, long id, const char *line,
			const char *file, unsigned long lineno);
/* Any other request, a JSON object without its newline
 * ({"id":3,"interrupt":true}, {"id":4,"complete":{...}}). */
int pm_client_send_raw(pm_client *c, const char *json);
/* Writes what is queued; 1 if all went, 0 if some waits (poll for
 * POLLOUT), -1 on error. */
int pm_client_flush(pm_client *c);
bool pm_client_want_write(const pm_client *c);
/* The next line from the server without its newline, in *line (the
 * client's own buffer, valid until the next call): 1 a line, 0 none yet
 * (wait: poll the fd; wait true waits here instead), -1 the server
 * closed or failed (why in err). */
int pm_client_read_line(pm_client *c, bool wait, const char **line,
			char *err, size_t len);

/* `poolmon -c NAME`: the sources' lines (see batch.h's pm_source; passed
 * as their parts) sent one after the other, the answers printed as the
 * local run prints them.  Returns the exit status. */
struct pm_source;
int pm_client_run(const char *name, bool json, bool errexit,
		  const struct pm_source *src, size_t n);
/* `poolmon ls`: the served pools of this user.  Returns the exit status. */
int pm_serve_ls(void);

#endif
