/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Value and Array (and their Raw forms): type codes and the checking of a
 * value against one, elements stored in and loaded from the arena, their
 * creation, and their operations in the table (get, set, add, the lock,
 * the raw data).  An array with a lock guards each operation with its
 * RLock; the manager's snapshots (pm_shared_values) never take it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

/* ---- type codes -------------------------------------------------------- */

size_t pm_shared_code_size(char code)
{
	switch (code) {
	case 'b': case 'B': case 'c': return 1;
	case 'h': case 'H': return sizeof(short);
	case 'i': case 'I': return sizeof(int);
	case 'l': case 'L': return sizeof(long);
	case 'q': case 'Q': return sizeof(long long);
	case 'f': return sizeof(float);
	case 'd': return sizeof(double);
	}
	return 0;
}

static bool code_is_float(char code)
{
	return code == 'f' || code == 'd';
}

static bool code_range(char code, int64_t *lo, uint64_t *hi)
{
	switch (code) {
	case 'b': *lo = SCHAR_MIN; *hi = SCHAR_MAX; return true;
	case 'B': *lo = 0; *hi = UCHAR_MAX; return true;
	case 'h': *lo = SHRT_MIN; *hi = SHRT_MAX; return true;
	case 'H': *lo = 0; *hi = USHRT_MAX; return true;
	case 'i': *lo = INT_MIN; *hi = INT_MAX; return true;
	case 'I': *lo = 0; *hi = UINT_MAX; return true;
	case 'l': *lo = LONG_MIN; *hi = LONG_MAX; return true;
	case 'L': *lo = 0; *hi = ULONG_MAX; return true;
	case 'q': *lo = LLONG_MIN; *hi = LLONG_MAX; return true;
	case 'Q': *lo = 0; *hi = ULLONG_MAX; return true;
	}
	return false;
}

static int bad_code(char *err, size_t errlen, char code)
{
	return pm_err(err, errlen,
		      "bad type code '%c' (one of b B h H i I l L q Q f d c)",
		      code);
}

int pm_shared_check_value(char code, const pm_value *v, char *err,
			  size_t errlen)
{
	if (!pm_shared_code_size(code))
		return bad_code(err, errlen, code);
	if (code == 'c') {
		if ((v->type == PM_STR || v->type == PM_BYTES) &&
		    v->u.s.len == 1)
			return 0;
		if (v->type == PM_INT && v->u.i >= 0 && v->u.i <= 255)
			return 0;
		return pm_err(err, errlen,
			      "type code 'c' takes one character (or 0..255)");
	}
	if (code_is_float(code)) {
		if (v->type == PM_INT)
			return 0;
		if (v->type == PM_BIGINT) { /* as Python: the nearest float */
			double f = strtod(v->u.s.ptr, NULL);
			if (code == 'd' ? isfinite(f) : fabs(f) <= FLT_MAX)
				return 0;
			return pm_err(err, errlen,
				      "%.40s%s is out of range for type code '%c'",
				      v->u.s.ptr, v->u.s.len > 40 ? "…" : "",
				      code);
		}
		if (v->type != PM_FLOAT)
			return pm_err(err, errlen,
				      "type code '%c' takes a number, got %s",
				      code, pm_type_name(v->type));
		if (code == 'f' && isfinite(v->u.f) &&
		    (v->u.f > FLT_MAX || v->u.f < -FLT_MAX))
			return pm_err(err, errlen,
				      "%g is out of range for type code 'f' (float)",
				      v->u.f);
		return 0;
	}
	int64_t lo = 0;
	uint64_t hi = 0;
	code_range(code, &lo, &hi);
	if (v->type == PM_BIGINT) { /* beyond int64: only 2**63..hi fit */
		errno = 0;
		unsigned long long u = v->u.s.ptr[0] == '-'
					       ? 0
					       : strtoull(v->u.s.ptr, NULL, 10);
		if (u && errno != ERANGE && u <= hi)
			return 0;
		return pm_err(err, errlen,
			      "%.40s%s is out of range for type code '%c' (%lld..%llu)",
			      v->u.s.ptr, v->u.s.len > 40 ? "…" : "", code,
			      (long long)lo, (unsigned long long)hi);
	}
	if (v->type != PM_INT)
		return pm_err(err, errlen,
			      "type code '%c' takes an integer, got %s", code,
			      pm_type_name(v->type));
	if (v->u.i < lo || (v->u.i >= 0 && (uint64_t)v->u.i > hi))
		return pm_err(err, errlen,
			      "%lld is out of range for type code '%c' (%lld..%llu)",
			      (long long)v->u.i, code, (long long)lo,
			      (unsigned long long)hi);
	return 0;
}

static void elem_store_bits(char code, void *p, uint64_t bits);

/* Stores a checked value. */
static void elem_store(char code, void *p, const pm_value *v)
{
	int64_t i = v->type == PM_INT ? v->u.i : 0;
	double f = v->type == PM_FLOAT ? v->u.f : (double)i;
	if (v->type == PM_BIGINT) { /* checked: 2**63..2**64-1, or a float */
		f = strtod(v->u.s.ptr, NULL);
		if (!code_is_float(code)) {
			elem_store_bits(code, p,
					strtoull(v->u.s.ptr, NULL, 10));
			return;
		}
	}
	switch (code) {
	case 'c': {
		unsigned char ch = v->type == PM_INT ? (unsigned char)i
						     : (unsigned char)v->u.s.ptr[0];
		memcpy(p, &ch, 1);
		break;
	}
	case 'b': { signed char x = (signed char)i; memcpy(p, &x, sizeof x); break; }
	case 'B': { unsigned char x = (unsigned char)i; memcpy(p, &x, sizeof x); break; }
	case 'h': { short x = (short)i; memcpy(p, &x, sizeof x); break; }
	case 'H': { unsigned short x = (unsigned short)i; memcpy(p, &x, sizeof x); break; }
	case 'i': { int x = (int)i; memcpy(p, &x, sizeof x); break; }
	case 'I': { unsigned x = (unsigned)i; memcpy(p, &x, sizeof x); break; }
	case 'l': { long x = (long)i; memcpy(p, &x, sizeof x); break; }
	case 'L': { unsigned long x = (unsigned long)i; memcpy(p, &x, sizeof x); break; }
	case 'q': { long long x = (long long)i; memcpy(p, &x, sizeof x); break; }
	case 'Q': { unsigned long long x = (unsigned long long)i; memcpy(p, &x, sizeof x); break; }
	case 'f': { float x = (float)f; memcpy(p, &x, sizeof x); break; }
	case 'd': memcpy(p, &f, sizeof f); break;
	}
}

/* An element as (wrapping) 64-bit integer bits, for add. */
static uint64_t elem_bits(char code, const void *p)
{
	switch (code) {
	case 'b': { signed char x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'B': case 'c': { unsigned char x; memcpy(&x, p, sizeof x); return x; }
	case 'h': { short x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'H': { unsigned short x; memcpy(&x, p, sizeof x); return x; }
	case 'i': { int x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'I': { unsigned x; memcpy(&x, p, sizeof x); return x; }
	case 'l': { long x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'L': { unsigned long x; memcpy(&x, p, sizeof x); return x; }
	case 'q': { long long x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'Q': { unsigned long long x; memcpy(&x, p, sizeof x); return x; }
	}
	return 0;
}

static void elem_store_bits(char code, void *p, uint64_t bits)
{
	switch (code) {
	case 'b': case 'B': case 'c': { unsigned char x = (unsigned char)bits; memcpy(p, &x, 1); break; }
	case 'h': case 'H': { unsigned short x = (unsigned short)bits; memcpy(p, &x, sizeof x); break; }
	case 'i': case 'I': { unsigned x = (unsigned)bits; memcpy(p, &x, sizeof x); break; }
	case 'l': case 'L': { unsigned long x = (unsigned long)bits; memcpy(p, &x, sizeof x); break; }
	case 'q': case 'Q': { unsigned long long x = bits; memcpy(p, &x, sizeof x); break; }
	}
}

pm_value shm_elem_load(char code, const void *p)
{
	if (code == 'f') {
		float x;
		memcpy(&x, p, sizeof x);
		return pm_float((double)x);
	}
	if (code == 'd') {
		double x;
		memcpy(&x, p, sizeof x);
		return pm_float(x);
	}
	uint64_t bits = elem_bits(code, p);
	if (code == 'c') {
		char ch = (char)bits;
		pm_value v = pm_str_n(&ch, 1);
		v.type = PM_BYTES;
		return v;
	}
	bool is_unsigned = code == 'B' || code == 'H' || code == 'I' ||
			   code == 'L' || code == 'Q';
	if (is_unsigned && bits > (uint64_t)INT64_MAX) {
		char digits[24];
		snprintf(digits, sizeof digits, "%llu", (unsigned long long)bits);
		pm_value v = pm_str(digits);
		if (v.type == PM_STR) /* else PM_NONE: out of memory */
			v.type = PM_BIGINT;
		return v;
	}
	return pm_int((int64_t)bits);
}

/* ---- Value and Array --------------------------------------------------- */

static o_array *as_array(const void *obj)
{
	pm_shared_kind k = pm_shared_kind_of(obj);
	return k == PM_SK_VALUE || k == PM_SK_ARRAY ? (o_array *)obj : NULL;
}

static int array_create(pm_shared *s, const char *name, char code,
			size_t size, bool lock, o_array **out, char *err,
			size_t errlen)
{
	size_t el = pm_shared_code_size(code);
	if (!el)
		return bad_code(err, errlen, code ? code : '?');
	if (size > PM_SHARED_ARRAY_MAX)
		return pm_err(err, errlen, "array too long: %zu (at most %u)",
			      size, PM_SHARED_ARRAY_MAX);
	size_t bytes = sizeof(o_array) + el * (size ? size : 1);
	o_array *a = shm_reserve(s, name, bytes, bytes, err, errlen);
	if (!a)
		return -1;
	shm_hdr_init(&a->lock.h, PM_SK_RLOCK);
	shm_mutex_init(&a->lock.m, true);
	a->has_lock = lock;
	a->code = code;
	a->elsize = (uint32_t)el;
	a->len = size;
	*out = a;
	return 0;
}

int pm_shared_value_new(pm_shared *s, const char *name, char code,
			const pm_value *init, bool lock, char *err,
			size_t errlen)
{
	if (init && pm_shared_check_value(code, init, err, errlen) < 0)
		return -1;
	o_array *a;
	if (array_create(s, name, code, 1, lock, &a, err, errlen) < 0)
		return -1;
	if (init)
		elem_store(code, a->data, init);
	return shm_publish(s, name, a, sizeof(o_array) + a->elsize,
			   PM_SK_VALUE);
}

/* *size from an array's initial items (left alone without them), each
 * checked: 0, or -1 with a message. */
static int array_init_len(char code, const pm_value *init, size_t *size,
			  char *err, size_t errlen)
{
	if (!init)
		return 0;
	if (code == 'c' && (init->type == PM_STR || init->type == PM_BYTES)) {
		*size = init->u.s.len;
		return 0;
	}
	if (init->type != PM_LIST)
		return pm_err(err, errlen,
			      "an array needs a size or a list of items, got %s",
			      pm_type_name(init->type));
	*size = init->u.list.len;
	for (size_t i = 0; i < *size; i++) {
		const pm_value *it = &init->u.list.items[i];
		if (it->type == PM_LIST)
			return pm_err(err, errlen,
				      "an array is one-dimensional: item %zu is a list (TypeError: an integer is required)",
				      i);
		char why[256];
		if (pm_shared_check_value(code, it, why, sizeof why) < 0)
			return pm_err(err, errlen, "item %zu: %s", i, why);
	}
	return 0;
}

int pm_shared_array_new(pm_shared *s, const char *name, char code,
			size_t size, const pm_value *init, bool lock,
			char *err, size_t errlen)
{
	if (!pm_shared_code_size(code))
		return bad_code(err, errlen, code ? code : '?');
	if (array_init_len(code, init, &size, err, errlen) < 0)
		return -1;
	if (size == 0)
		return pm_err(err, errlen, "an array needs at least one item");
	o_array *a;
	if (array_create(s, name, code, size, lock, &a, err, errlen) < 0)
		return -1;
	for (size_t i = 0; init && i < size; i++) {
		if (init->type == PM_LIST) {
			elem_store(code, a->data + i * a->elsize,
				   &init->u.list.items[i]);
		} else {
			pm_value ch = pm_int((unsigned char)init->u.s.ptr[i]);
			elem_store(code, a->data + i, &ch);
		}
	}
	return shm_publish(s, name, a, sizeof(o_array) + a->elsize * size,
			   PM_SK_ARRAY);
}

/* ---- the operations ---------------------------------------------------- */

size_t shm_api_len(const void *obj)
{
	if (shm_check(obj, KINDS_ARRAY))
		return 0;
	return (size_t)((const o_array *)obj)->len;
}

char shm_api_code(const void *obj)
{
	if (shm_check(obj, KINDS_ARRAY))
		return 0;
	return ((const o_array *)obj)->code;
}

static void array_lock(o_array *a)
{
	if (a->has_lock)
		shm_lock_acquire(&a->lock, &shm_forever);
}

static void array_unlock(o_array *a)
{
	if (a->has_lock)
		shm_lock_release(&a->lock);
}

int shm_api_value_get(void *obj, size_t i, pm_value *out)
{
	int bad = shm_check(obj, KINDS_ARRAY);
	if (bad)
		return bad;
	o_array *a = obj;
	if (!out)
		return PM_SHM_TYPE;
	if (i >= a->len)
		return PM_SHM_RANGE;
	array_lock(a);
	*out = shm_elem_load(a->code, a->data + i * a->elsize);
	array_unlock(a);
	return PM_SHM_OK;
}

int shm_api_value_set(void *obj, size_t i, const pm_value *v)
{
	int bad = shm_check(obj, KINDS_ARRAY);
	if (bad)
		return bad;
	o_array *a = obj;
	char why[8];
	if (!v || !pm_value_check(v, NULL, 0))
		return PM_SHM_TYPE;
	if (i >= a->len)
		return PM_SHM_RANGE;
	if (pm_shared_check_value(a->code, v, why, sizeof why) < 0)
		return v->type == PM_INT || v->type == PM_FLOAT ||
				       v->type == PM_BIGINT
			       ? PM_SHM_RANGE
			       : PM_SHM_TYPE;
	array_lock(a);
	elem_store(a->code, a->data + i * a->elsize, v);
	array_unlock(a);
	return PM_SHM_OK;
}

int shm_api_value_add(void *obj, size_t i, const pm_value *delta,
		      pm_value *out)
{
	int bad = shm_check(obj, KINDS_ARRAY);
	if (bad)
		return bad;
	o_array *a = obj;
	if (!delta || a->code == 'c')
		return PM_SHM_TYPE;
	if (i >= a->len)
		return PM_SHM_RANGE;
	bool fl = code_is_float(a->code);
	if (delta->type != PM_INT && !(fl && delta->type == PM_FLOAT))
		return PM_SHM_TYPE;
	unsigned char *p = a->data + i * a->elsize;
	array_lock(a);
	if (fl) {
		pm_value cur = shm_elem_load(a->code, p);
		double d = delta->type == PM_FLOAT ? delta->u.f
						   : (double)delta->u.i;
		pm_value nv = pm_float(cur.u.f + d);
		elem_store(a->code, p, &nv);
	} else {
		elem_store_bits(a->code, p,
				elem_bits(a->code, p) + (uint64_t)delta->u.i);
	}
	if (out)
		*out = shm_elem_load(a->code, p);
	array_unlock(a);
	return PM_SHM_OK;
}

void *shm_api_get_lock(void *obj)
{
	if (shm_check(obj, KINDS_ARRAY))
		return NULL;
	o_array *a = obj;
	return a->has_lock ? &a->lock : NULL;
}

void *shm_api_raw(void *obj)
{
	if (shm_check(obj, KINDS_ARRAY))
		return NULL;
	return ((o_array *)obj)->data;
}

int pm_shared_values(void *obj, pm_value *out)
{
	o_array *a = as_array(obj);
	*out = pm_none();
	if (!a || shm_refuse(obj))
		return -1;
	/* A snapshot without the lock: the UI must never wait on a task. */
	if (a->h.kind == PM_SK_VALUE) {
		*out = shm_elem_load(a->code, a->data);
		return 0;
	}
	pm_value *items = xcalloc(a->len, sizeof *items);
	for (size_t i = 0; i < a->len; i++)
		items[i] = shm_elem_load(a->code, a->data + i * a->elsize);
	*out = pm_list_take(items, a->len);
	return 0;
}
