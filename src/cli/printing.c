/* SPDX-License-Identifier: GPL-3.0-or-later */
/* printing.c — the printing of results: one task's (text or JSON), a
 * map's failure, and a map's list of results read from its bulk arrays
 * (ints in blocks, written out in pieces where the front end takes them),
 * with what of it was formatted ahead while the map still ran. */
#define _GNU_SOURCE
#include "printing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "output.h"
#include "state.h"
#include "value.h"

void pm_print_result(pm_cli *c, const pm_task_info *ti)
{
	pm_buf b = { 0 };
	bool ok = ti->state == PM_TASK_DONE;
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b, "{\"event\":\"result\",\"id\":\"t%llu\"",
			      (unsigned long long)ti->id);
		if (ok) {
			pm_buf_puts(&b, ",\"result\":");
			pm_value_json(&b, ti->result);
		} else {
			pm_buf_printf(&b, ",\"state\":\"%s\",\"error\":",
				      pm_task_state_name(ti->state));
			pm_json_string(&b, ti->error ? ti->error
						     : pm_task_state_name(ti->state));
		}
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
	} else if (ok) {
		pm_value_format(&b, ti->result);
		pm_cli_info(c, "%s", b.s);
	} else {
		pm_cli_info(c, "t%llu %s: %s", (unsigned long long)ti->id,
			    pm_task_state_name(ti->state),
			    ti->error ? ti->error : "no result");
	}
	pm_buf_free(&b);
}

/* A map's failure (its first, like Pool.map). */
static void print_map_failure(pm_cli *c, const pm_task_info *bad)
{
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b,
			      "{\"event\":\"result\",\"id\":\"t%llu\",\"state\":\"%s\",\"error\":",
			      (unsigned long long)bad->id,
			      pm_task_state_name(bad->state));
		pm_json_string(&b, bad->error ? bad->error : "");
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
	} else {
		pm_cli_info(c, "map: t%llu %s: %s", (unsigned long long)bad->id,
			    pm_task_state_name(bad->state),
			    bad->error ? bad->error : "no result");
	}
	pm_buf_free(&b);
}

/* One result of a map's bulk arrays: a number (or None) from its type and
 * bits. */
static void put_number(pm_buf *b, bool json, uint8_t type, uint64_t bits)
{
	if (type == PM_INT) {
		int64_t v;
		memcpy(&v, &bits, 8);
		pm_format_int(b, v);
		return;
	}
	pm_value v = pm_none();
	v.type = (pm_type)type;
	if (type == PM_FLOAT)
		memcpy(&v.u.f, &bits, 8);
	if (json)
		pm_value_json(b, &v);
	else
		pm_value_format(b, &v);
}

/* Whether ids first..first+count-1 are all done (false: the first that
 * is not, in *bad), or one was evicted (an error said); from the map's
 * state bytes, a task info only for an item with a record of its own. */
static bool map_outcome(pm_cli *c, uint64_t first, size_t count,
			pm_task_info *bad, bool *evicted)
{
	bool ok = true;
	*evicted = false;
	for (size_t k = 0; k < count; k++) {
		const uint8_t *types;
		const uint64_t *bits;
		k += pm_engine_map_results(c->e, first + k, count - k, &types,
					   &bits);
		if (k == count)
			break;
		pm_task_info ti;
		if (!pm_engine_task_info(c->e, first + k, &ti)) {
			/* Evicted before its results were printed. */
			char w[PM_ID_MAX];
			pm_args a = { .name = (char *)"map" };
			pm_cli_no_task(c, &a, pm_id_format(w, PM_ID_TASK,
							   first + k),
				       first + k);
			*evicted = true;
			return false;
		}
		if (ti.state != PM_TASK_DONE && ok) {
			*bad = ti; /* a record's: it stays */
			ok = false;
		}
	}
	return ok;
}

/* One result of the map from its task info (not a number in bulk). */
static void put_info_result(pm_cli *c, pm_buf *b, bool json, uint64_t id)
{
	pm_task_info ti;
	pm_engine_task_info(c->e, id, &ti);
	if (json)
		pm_value_json(b, ti.result);
	else
		pm_value_format(b, ti.result);
}

/* The results of items from..to-1 of ids first.., each after sep but the
 * list's first, read from the map's bulk arrays in runs (a task info only
 * for an item that is not a done number).  With write, written out in
 * pieces as they fill (a million results are never one buffer) and all of
 * them put; without, kept in b, stopping once b holds cap bytes.  Returns
 * the item it stopped before (to, unless the cap stopped it). */
static size_t put_results(pm_cli *c, pm_buf *b, uint64_t first, size_t from,
			  size_t to, bool json, const char *sep,
			  pm_write_fn write, size_t cap)
{
	size_t seplen = strlen(sep); /* ", " or ",": two bytes readable */
	size_t k = from;
	while (k < to) {
		if (!write && b->len >= cap)
			return k;
		const uint8_t *types;
		const uint64_t *bits;
		size_t run = pm_engine_map_results(c->e, first + k, to - k,
						   &types, &bits);
		size_t r = 0;
		while (r < run) {
			if (types[r] == PM_INT) {
				/* The common case: a block of ints straight
				 * into the buffer, one reserve for all. */
				size_t end = run - r < 1024 ? run : r + 1024;
				pm_buf_reserve(b, (end - r) * (seplen + 20));
				char *p = b->s + b->len;
				size_t q = r;
				if (!(k + q))
					p = pm_int_digits(p, (int64_t)bits[q++]);
				for (; q < end && types[q] == PM_INT; q++) {
					memcpy(p, sep, 2);
					p += seplen;
					p = pm_int_digits(p, (int64_t)bits[q]);
				}
				b->len = (size_t)(p - b->s);
				r = q;
			} else {
				if (k + r)
					pm_buf_add(b, sep, seplen);
				if (types[r] != PM_BULK_VALUE)
					put_number(b, json, types[r], bits[r]);
				else
					put_info_result(c, b, json, first + k + r);
				r++;
			}
			if (write && b->len >= (1u << 16)) {
				write(c->ud, b->s, b->len);
				b->len = 0;
			} else if (!write && b->len >= cap) {
				return k + r;
			}
		}
		k += run;
		if (k < to) { /* a record of its own, done */
			if (k)
				pm_buf_add(b, sep, seplen);
			put_info_result(c, b, json, first + k);
			k++;
		}
	}
	return k;
}

/* What is formatted ahead, at most (the text is kept until the map ends). */
#define AHEAD_MAX ((size_t)16 << 20)

/* The results of ids first..first+count-1 in one line, read from the map's
 * bulk arrays in runs (a task info only for an item that is not a done
 * number); written in pieces where the front end takes them, so a million
 * results are never one buffer. */
void pm_print_map(pm_cli *c, uint64_t first, size_t count, pm_ahead *ah)
{
	pm_task_info bad = { 0 };
	bool evicted;
	if (!map_outcome(c, first, count, &bad, &evicted)) {
		if (!evicted)
			print_map_failure(c, &bad);
		return;
	}
	bool json = c->mode == PM_OUT_JSON;
	pm_buf b = { 0 };
	if (json)
		pm_buf_printf(&b,
			      "{\"event\":\"result\",\"ids\":\"t%llu..t%llu\",\"results\":",
			      (unsigned long long)first,
			      (unsigned long long)(first + count - 1));
	pm_buf_puts(&b, "[");
	const char *sep = json ? "," : ", ";
	/* The screen shows a long list as its head and tail (list_head). */
	size_t head = !json && c->list_head && count > 2 * c->list_head + 1
			      ? c->list_head
			      : 0;
	size_t from = 0;
	if (ah && ah->n && !head && c->write && ah->json == json) {
		/* What was formatted ahead, after the list's opening. */
		c->write(c->ud, b.s, b.len);
		c->write(c->ud, ah->text.s, ah->text.len);
		b.len = 0;
		from = ah->n;
		pm_buf_free(&ah->text);
	}
	if (head) {
		char n1[PM_COUNT_MAX];
		put_results(c, &b, first, 0, head, json, sep, c->write,
			    SIZE_MAX);
		pm_buf_printf(&b, ", … %s more …",
			      pm_fmt_count(n1, sizeof n1, count - 2 * head));
		put_results(c, &b, first, count - head, count, json, sep,
			    c->write, SIZE_MAX);
	} else {
		put_results(c, &b, first, from, count, json, sep, c->write,
			    SIZE_MAX);
	}
	b.s[b.len] = '\0';
	pm_buf_puts(&b, json ? "]}" : "]");
	if (head) {
		char n2[PM_COUNT_MAX];
		pm_buf_printf(&b, "  (%s results; all of them: save t%llu..t%llu FILE)",
			      pm_fmt_count(n2, sizeof n2, count),
			      (unsigned long long)first,
			      (unsigned long long)(first + count - 1));
	}
	if (c->write) {
		pm_buf_add(&b, "\n", 1);
		c->write(c->ud, b.s, b.len);
	} else if (json) {
		pm_cli_json(c, b.s);
	} else {
		pm_cli_info_line(c, b.s);
	}
	pm_buf_free(&b);
}

/* A map's items that ended done, up to ended, formatted into ah (only
 * where the whole list is written out, c->write, not as the screen's head
 * and tail). */
void pm_ahead_format(pm_cli *c, pm_ahead *ah, uint64_t first, size_t ended)
{
	if (ah->off || !c->write || c->list_head || ah->n >= ended ||
	    ah->text.len >= AHEAD_MAX)
		return;
	bool json = c->mode == PM_OUT_JSON;
	if (ah->n && ah->json != json) {
		pm_ahead_drop(ah);
		return;
	}
	ah->json = json;
	ah->n = put_results(c, &ah->text, first, ah->n, ended, json,
			    json ? "," : ", ", NULL, AHEAD_MAX);
}

void pm_ahead_drop(pm_ahead *ah)
{
	pm_buf_free(&ah->text);
	ah->n = 0;
	ah->off = true;
}
