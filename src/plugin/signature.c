/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plugin/signature.c — task signatures: "a:int, b:float, *rest,
 * **kw" parsed, arguments checked against one (an int converted where a
 * float is expected), and positional and key=value arguments bound to it
 * as Python binds a call. */
#include "signature.h"

#include <ctype.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

static pm_type type_from_name(const char *s, bool *ok)
{
	*ok = true;
	if (!strcmp(s, "int"))
		return PM_INT;
	if (!strcmp(s, "bigint")) /* an int of any size (Python's int) */
		return PM_BIGINT;
	if (!strcmp(s, "float"))
		return PM_FLOAT;
	if (!strcmp(s, "str"))
		return PM_STR;
	if (!strcmp(s, "bytes"))
		return PM_BYTES;
	if (!strcmp(s, "list"))
		return PM_LIST;
	if (!strcmp(s, "bool"))
		return PM_BOOL;
	if (!strcmp(s, "any"))
		return PM_NONE;
	*ok = false;
	return PM_NONE;
}

int pm_signature_parse(const char *text, pm_signature *sig, char *err,
		       size_t errlen)
{
	memset(sig, 0, sizeof *sig);
	if (!text)
		return 0;
	const char *p = text;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (sig->n && sig->params[sig->n - 1].kwargs)
			return pm_err(err, errlen,
				      "'**%s' must be the last parameter",
				      sig->params[sig->n - 1].name);
		if (sig->n && sig->params[sig->n - 1].variadic &&
		    strncmp(p, "**", 2))
			return pm_err(err, errlen,
				      "'*%s' must be the last parameter (or be followed by **kw only)",
				      sig->params[sig->n - 1].name);
		if (sig->n == PM_MAX_PARAMS)
			return pm_err(err, errlen, "more than %d parameters",
				      PM_MAX_PARAMS);
		pm_param *prm = &sig->params[sig->n];
		if (!strncmp(p, "**", 2)) {
			prm->kwargs = true;
			prm->type = PM_LIST;
			p += 2;
		} else if (*p == '*') {
			prm->variadic = true;
			p++;
		}
		size_t len = 0;
		while (isalnum((unsigned char)p[len]) || p[len] == '_')
			len++;
		if (!len || isdigit((unsigned char)*p) ||
		    len >= sizeof prm->name)
			return pm_err(err, errlen,
				      "bad parameter name at '%s'", p);
		memcpy(prm->name, p, len);
		p += len;
		if (*p == ':' && prm->kwargs)
			return pm_err(err, errlen,
				      "'**%s' takes no type: its values keep their own",
				      prm->name);
		if (*p == ':') {
			char tname[16];
			size_t tl = 0;
			p++;
			while (isalpha((unsigned char)p[tl]))
				tl++;
			if (!tl || tl >= sizeof tname)
				return pm_err(err, errlen,
					      "bad type for parameter '%s'",
					      prm->name);
			memcpy(tname, p, tl);
			tname[tl] = '\0';
			bool ok;
			prm->type = type_from_name(tname, &ok);
			if (!ok)
				return pm_err(err, errlen,
					      "unknown type '%s' for parameter '%s' (int, bigint, float, str, bytes, list, bool, any)",
					      tname, prm->name);
			p += tl;
		} else if (!prm->variadic && !prm->kwargs) {
			return pm_err(err, errlen,
				      "parameter '%s' has no type (write %s:int)",
				      prm->name, prm->name);
		}
		if (*p == '=' && (prm->variadic || prm->kwargs))
			return pm_err(err, errlen,
				      "'%s' cannot have a default", prm->name);
		if (*p == '=') {
			size_t dl = strcspn(++p, ",");
			while (dl && isspace((unsigned char)p[dl - 1]))
				dl--;
			if (!dl)
				return pm_err(err, errlen,
					      "parameter '%s': nothing after '='",
					      prm->name);
			prm->optional = true;
			snprintf(prm->dflt, sizeof prm->dflt, "%.*s", (int)dl, p);
			p += dl;
		} else if (!prm->variadic && !prm->kwargs && sig->n &&
			   sig->params[sig->n - 1].optional) {
			return pm_err(err, errlen,
				      "parameter '%s' without a default follows one with a default",
				      prm->name);
		}
		for (size_t i = 0; i < sig->n; i++)
			if (!strcmp(sig->params[i].name, prm->name))
				return pm_err(err, errlen,
					      "parameter '%s' appears twice",
					      prm->name);
		sig->n++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == ',')
			p++;
		else if (*p)
			return pm_err(err, errlen, "expected ',' at '%s'", p);
	}
	return 0;
}

bool pm_signature_has_kwargs(const pm_signature *sig)
{
	return sig->n && sig->params[sig->n - 1].kwargs;
}

static bool is_kw_list(const pm_value *v)
{
	if (v->type != PM_LIST)
		return false;
	for (size_t i = 0; i < v->u.list.len; i++) {
		const pm_value *pair = &v->u.list.items[i];
		if (pair->type != PM_LIST || pair->u.list.len != 2 ||
		    pair->u.list.items[0].type != PM_STR)
			return false;
	}
	return true;
}

int pm_signature_check(const pm_signature *sig, pm_value *args, size_t nargs,
		       char *err, size_t errlen)
{
	size_t fixed = sig->n;
	bool kwargs = pm_signature_has_kwargs(sig);
	if (kwargs) {
		if (!nargs || !is_kw_list(&args[nargs - 1]))
			return pm_err(err, errlen,
				      "the last argument must be the list of [key, value] for '**%s'",
				      sig->params[sig->n - 1].name);
		fixed--;
		nargs--;
	}
	bool variadic = fixed && sig->params[fixed - 1].variadic;
	if (variadic)
		fixed--;
	size_t required = 0;
	while (required < fixed && !sig->params[required].optional)
		required++;
	if (nargs < required || (!variadic && nargs > fixed)) {
		if (variadic)
			return pm_err(err, errlen,
				      "takes at least %zu argument%s, got %zu",
				      required, required == 1 ? "" : "s", nargs);
		if (required < fixed)
			return pm_err(err, errlen,
				      "takes %zu to %zu arguments, got %zu",
				      required, fixed, nargs);
		return pm_err(err, errlen, "takes %zu argument%s, got %zu",
			      fixed, fixed == 1 ? "" : "s", nargs);
	}
	for (size_t i = 0; i < fixed && i < nargs; i++) {
		const pm_param *p = &sig->params[i];
		if (p->type == PM_NONE || args[i].type == p->type)
			continue;
		if (p->type == PM_BIGINT && args[i].type == PM_INT)
			continue;
		if (p->type == PM_FLOAT && args[i].type == PM_INT) {
			args[i] = pm_float((double)args[i].u.i);
			continue;
		}
		/* An int beyond 64 bits: a float if it is one, never an int. */
		if (args[i].type == PM_BIGINT &&
		    (p->type == PM_INT || p->type == PM_FLOAT)) {
			double f = strtod(args[i].u.s.ptr, NULL);
			if (p->type == PM_FLOAT && isfinite(f)) {
				pm_value_free(&args[i]);
				args[i] = pm_float(f);
				continue;
			}
			size_t nd = args[i].u.s.len - (args[i].u.s.ptr[0] == '-');
			if (p->type == PM_FLOAT)
				return pm_err(err, errlen,
					      "argument '%s': integer of %zu digits does not fit in a float",
					      p->name, nd);
			return pm_err(err, errlen,
				      "argument '%s': %.1e-ish integer does not fit in 64 bits (int is -2**63..2**63-1)",
				      p->name, f);
		}
		/* A bool is an int (Python's bool is a subclass of int). */
		if ((p->type == PM_INT || p->type == PM_BIGINT ||
		     p->type == PM_FLOAT) &&
		    args[i].type == PM_BOOL) {
			args[i] = p->type != PM_FLOAT ? pm_int(args[i].u.i)
						    : pm_float((double)args[i].u.i);
			continue;
		}
		pm_buf b = { 0 };
		pm_value_format(&b, &args[i]);
		pm_err(err, errlen, "argument '%s' must be %s, got %s %s",
		       p->name,
		       p->type == PM_BIGINT ? "int" : pm_type_name(p->type),
		       pm_type_name(args[i].type), b.s);
		pm_buf_free(&b);
		return -1;
	}
	return 0;
}

/* The parameter a key names, if it is one that binds by name (not *rest or
 * **kw). */
static const pm_param *param_named(const pm_signature *sig, const char *key,
				   size_t *index)
{
	for (size_t i = 0; i < sig->n; i++) {
		const pm_param *p = &sig->params[i];
		if (p->variadic || p->kwargs || strcmp(p->name, key))
			continue;
		*index = i;
		return p;
	}
	return NULL;
}

int pm_signature_bind(const pm_signature *sig, const pm_value *args,
		      size_t nargs, const pm_kwarg *kw, size_t nkw,
		      pm_value **out, size_t *nout, char *err, size_t errlen)
{
	bool kwargs = pm_signature_has_kwargs(sig);
	size_t named = 0; /* declared parameters that bind by name */
	while (named < sig->n && !sig->params[named].variadic &&
	       !sig->params[named].kwargs)
		named++;
	/* Slots: the positional arguments, or the named parameters if more. */
	size_t nslots = nargs > named ? nargs : named;
	pm_value *slot = xcalloc(nslots + 1, sizeof *slot);
	bool *filled = xcalloc(nslots + 1, sizeof *filled);
	pm_value *extra = xcalloc(nkw ? nkw : 1, sizeof *extra);
	size_t nextra = 0;
	for (size_t i = 0; i < nargs; i++) {
		slot[i] = pm_value_copy(&args[i]);
		filled[i] = true;
	}
	int rc = 0;
	for (size_t k = 0; k < nkw && rc == 0; k++) {
		for (size_t j = 0; j < k && rc == 0; j++)
			if (!strcmp(kw[j].key, kw[k].key))
				rc = pm_err(err, errlen,
					    "option '%s' given twice", kw[k].key);
		if (rc)
			break;
		size_t at;
		if (param_named(sig, kw[k].key, &at)) {
			if (filled[at]) {
				rc = pm_err(err, errlen,
					    "got multiple values for argument '%s'",
					    kw[k].key);
				break;
			}
			slot[at] = pm_value_copy(kw[k].value);
			filled[at] = true;
			continue;
		}
		if (!kwargs) {
			rc = pm_err(err, errlen,
				    "no parameter named '%s' (and no **kwargs)",
				    kw[k].key);
			break;
		}
		pm_value *pair = xcalloc(2, sizeof *pair);
		pair[0] = pm_str_n(kw[k].key, strlen(kw[k].key));
		pair[1] = pm_value_copy(kw[k].value);
		extra[nextra++] = pm_list_take(pair, 2);
	}
	/* Like Python: every parameter before *rest / **kw without a default
	 * is required.  Optional ones left out at the end are not passed; an
	 * optional one given by name after one left out goes to **kw (the
	 * task binds it by name), or is refused without a **kw. */
	size_t used = nslots;
	for (size_t i = 0; i < named && rc == 0; i++) {
		if (filled[i])
			continue;
		if (!sig->params[i].optional) {
			rc = pm_err(err, errlen, "missing argument '%s'",
				    sig->params[i].name);
			break;
		}
		used = i;
		for (size_t k = i + 1; k < named && rc == 0; k++) {
			if (!filled[k])
				continue;
			if (!kwargs) {
				rc = pm_err(err, errlen,
					    "'%s' is given but '%s' before it is not: give '%s' too",
					    sig->params[k].name,
					    sig->params[i].name,
					    sig->params[i].name);
				break;
			}
			pm_value *pair = xcalloc(2, sizeof *pair);
			pair[0] = pm_str_n(sig->params[k].name,
					   strlen(sig->params[k].name));
			pair[1] = slot[k];
			slot[k] = pm_none();
			filled[k] = false;
			extra = xrealloc(extra, (nextra + 1) * sizeof *extra);
			extra[nextra++] = pm_list_take(pair, 2);
		}
		break;
	}
	if (rc) {
		pm_values_free(slot, nslots);
		pm_values_free(extra, nextra);
		free(filled);
		return -1;
	}
	free(filled);
	if (kwargs)
		slot[used++] = pm_list_take(extra, nextra);
	else
		free(extra);
	*out = slot;
	*nout = used;
	return 0;
}
