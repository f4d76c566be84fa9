/* SPDX-License-Identifier: GPL-3.0-or-later */
/* internal.h — what the server's rooms share (server.c: the socket, the
 * connections' list, the subscribers; conn.c: one connection). */
#ifndef POOLMON_SERVE_INTERNAL_H
#define POOLMON_SERVE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "serve.h"
#include "util.h"

/* What a queued line is: an answer is never dropped (a client that does
 * not read its answers is let go), a subscriber's line may be. */
typedef enum { LINE_ANSWER, LINE_SUB } line_kind;

typedef struct conn {
	struct pm_serve *s;
	int fd;
	pid_t pid;         /* the peer, from SO_PEERCRED */
	pm_cli *cli;       /* its interpreter, made at its hello */
	bool json;         /* its mode */
	bool sub_events, sub_model;
	pm_buf in;         /* bytes read, not yet a whole line */
	json_t **queued;   /* requests waiting for the one that runs */
	size_t nqueued;
	bool running;      /* a command line runs (or waits) */
	long id;           /* ... its id */
	unsigned errors_at; /* the interpreter's errors when it started */
	char *origin;      /* the FILE of its FILE:LINE, or NULL */
	bool piece;        /* inside a line the interpreter writes in pieces */
	char carry[4];     /* ... the start of a UTF-8 character cut by a piece */
	size_t ncarry;
	pm_buf out;        /* lines not yet written, from out_at */
	size_t out_at;
	uint64_t dropped;  /* subscribers' lines dropped since the last marker */
	bool polling_out;  /* POLLOUT asked of the loop */
	bool reading;      /* POLLIN asked of the loop */
	bool closing;      /* close once the output is written */
	bool dead;         /* close at the next tick */
	struct conn *next;
} conn;

struct pm_serve {
	pm_engine *e;
	pm_loop *loop;
	char *name;
	char path[108];
	int lfd;
	size_t cap;        /* a client's output bound */
	conn *conns;
	size_t nconns;
	pm_cli *events;    /* JSON, heard by subscribers of "events" */
	size_t nevents;    /* how many subscribe to it */
	char *(*snapshot)(void *ud);
	void *snapshot_ud;
	char *model;       /* the last snapshot sent */
	double model_at;
	void (*quit_fn)(void *ud);
	void *quit_ud;
	bool quit;
	struct pm_serve *next_served; /* every server, for fork */
};

/* conn.c */
conn *conn_new(struct pm_serve *s, int fd, pid_t pid);
void conn_free(conn *c);
void conn_readable(void *ud, int fd, short revents);
/* A line (without its newline) queued for the client. */
void conn_queue(conn *c, line_kind kind, const char *line, size_t len);
/* The request that runs: its done when the interpreter is no longer
 * busy; queued requests run then.  Called after each loop wait. */
void conn_tick(conn *c);
/* Writes what it can; POLLOUT asked while some waits. */
void conn_flush(conn *c);
/* Whether conn_tick has work now (a wait that ended). */
bool conn_ready(const conn *c);
/* A fresh status event, and model, to a subscriber after a drop. */
void conn_resync(conn *c);

/* server.c */
void serve_subscribe_events(struct pm_serve *s, bool on);
void serve_send_model(struct pm_serve *s, conn *c);
void serve_log(struct pm_serve *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
