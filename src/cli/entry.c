/* SPDX-License-Identifier: GPL-3.0-or-later */
/* entry.c — reads a command's declaration (entry.h): its usage line, the
 * one option matcher, the checks of argument counts, option names, option
 * values and empty ids, and the typed getters of checked options. */
#include "entry.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void add(char *buf, size_t len, size_t *at, const char *s)
{
	int n = snprintf(buf + *at, len - *at, "%s", s);
	if (n > 0)
		*at += (size_t)n < len - *at ? (size_t)n : len - *at - 1;
}

static void add_options(const struct pm_cmd_entry *e, char *buf, size_t len,
			size_t *at)
{
	for (const struct pm_cmd_option *o = e->options; o->name; o++) {
		char one[64];
		if (o->alt && *at && buf[*at - 1] == ']') {
			(*at)--; /* [a=1] becomes [a=1|b=1] */
			snprintf(one, sizeof one, "|%s=%s]", o->name, o->shown);
		} else {
			snprintf(one, sizeof one, "%s[%s=%s]", *at ? " " : "",
				 o->name, o->shown);
		}
		add(buf, len, at, one);
	}
}

char *pm_cmd_usage(const struct pm_cmd_entry *e, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	add(buf, len, &at, e->name);
	if (e->flags & PM_CMD_OPTIONS_FIRST)
		add_options(e, buf, len, &at);
	if (e->args) {
		add(buf, len, &at, " ");
		add(buf, len, &at, e->args);
	}
	if (!(e->flags & PM_CMD_OPTIONS_FIRST))
		add_options(e, buf, len, &at);
	return buf;
}

const struct pm_cmd_option *pm_cmd_option_find(const struct pm_cmd_entry *e,
					       const char *key)
{
	for (const struct pm_cmd_option *o = e->options; o->name; o++)
		if (!strcmp(o->name, key))
			return o;
	return NULL;
}

static double seconds_of(const pm_value *v)
{
	return v->type == PM_INT ? (double)v->u.i
	       : v->type == PM_FLOAT ? v->u.f
				     : NAN;
}

static bool is_choice(const char *choices, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = choices; *p;) {
		size_t len = strcspn(p, "|");
		if (len == n && !strncmp(p, s, n))
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}

/* One value against its kind's rule; false with the message in err. */
static bool value_ok(const struct pm_cmd_option *o, const pm_value *v,
		     char *err, size_t errlen)
{
	double s;
	switch (o->kind) {
	case PM_OPT_SECONDS:
		s = seconds_of(v);
		if (s > 0 && s <= 1e6)
			return true;
		snprintf(err, errlen, "%s must be a number of seconds > 0",
			 o->name);
		return false;
	case PM_OPT_COUNT:
		if (v->type == PM_INT && v->u.i >= 1)
			return true;
		snprintf(err, errlen, "%s must be an integer >= 1", o->name);
		return false;
	case PM_OPT_FLAG:
		if (v->type == PM_INT && (v->u.i == 0 || v->u.i == 1))
			return true;
		snprintf(err, errlen, "%s must be 0 or 1", o->name);
		return false;
	case PM_OPT_STRING:
		if (v->type == PM_STR)
			return true;
		snprintf(err, errlen, "%s must be a string", o->name);
		return false;
	case PM_OPT_CHOICE:
		if (v->type == PM_STR && is_choice(o->choices, v->u.s.ptr))
			return true;
		size_t at = (size_t)snprintf(err, errlen, "%s must be ", o->name);
		for (const char *p = o->choices; *p && at < errlen;) {
			size_t len = strcspn(p, "|");
			int n = snprintf(err + at, errlen - at, "%s%.*s",
					 p == o->choices ? "" : " or ", (int)len, p);
			at += n > 0 ? (size_t)n : 0;
			p += len + (p[len] == '|');
		}
		return false;
	}
	return false;
}

bool pm_cmd_check(const struct pm_cmd_entry *e, const pm_args *a, char *err,
		  size_t errlen)
{
	char usage[PM_CMD_USAGE_MAX];
	int n = (int)a->argc;
	if (n < e->min_args || (e->max_args >= 0 && n > e->max_args)) {
		snprintf(err, errlen, "wrong number of arguments; usage: %s",
			 pm_cmd_usage(e, usage, sizeof usage));
		return false;
	}
	for (size_t i = 0; i < a->nopts; i++)
		if (!(e->flags & PM_CMD_KWARGS) &&
		    !pm_cmd_option_find(e, a->opts[i].key)) {
			snprintf(err, errlen, "unknown option '%s'; usage: %s",
				 a->opts[i].key,
				 pm_cmd_usage(e, usage, sizeof usage));
			return false;
		}
	for (const struct pm_cmd_option *o = e->options; o->name; o++) {
		const pm_value *v = pm_args_opt(a, o->name);
		if (v && !value_ok(o, v, err, errlen))
			return false;
	}
	if (e->flags & PM_CMD_IDS)
		for (size_t i = 0; i < a->argc; i++)
			if (!a->words[i][0]) {
				snprintf(err, errlen, "empty id \"\"; usage: %s",
					 pm_cmd_usage(e, usage, sizeof usage));
				return false;
			}
	return true;
}

double pm_opt_seconds(const pm_args *a, const char *key, double dflt)
{
	const pm_value *v = pm_args_opt(a, key);
	return v ? seconds_of(v) : dflt;
}

size_t pm_opt_count(const pm_args *a, const char *key, size_t dflt)
{
	const pm_value *v = pm_args_opt(a, key);
	return v && v->type == PM_INT && v->u.i >= 1 ? (size_t)v->u.i : dflt;
}

bool pm_word_count(const pm_args *a, size_t i, int64_t lo, int64_t hi,
		   int64_t *out)
{
	if (i >= a->argc || a->vals[i].type != PM_INT || a->vals[i].u.i < lo ||
	    a->vals[i].u.i > hi)
		return false;
	*out = a->vals[i].u.i;
	return true;
}

bool pm_opt_flag(const pm_args *a, const char *key, bool dflt)
{
	const pm_value *v = pm_args_opt(a, key);
	return v && v->type == PM_INT ? v->u.i != 0 : dflt;
}

const char *pm_opt_string(const pm_args *a, const char *key)
{
	const pm_value *v = pm_args_opt(a, key);
	return v && v->type == PM_STR ? v->u.s.ptr : NULL;
}
