#define _GNU_SOURCE
#include "plugin_loader.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "value.h"

void pm_registry_init(pm_registry *r)
{
	memset(r, 0, sizeof *r);
}

void pm_registry_add_dir(pm_registry *r, const char *dir)
{
	/* The same directory reached two ways is searched (and listed) once. */
	char *real = realpath(dir, NULL);
	for (size_t i = 0; i < r->ndirs; i++) {
		char *other = realpath(r->dirs[i], NULL);
		bool same = !strcmp(r->dirs[i], dir) ||
			    (real && other && !strcmp(real, other));
		free(other);
		if (same) {
			free(real);
			return;
		}
	}
	free(real);
	r->dirs = xrealloc(r->dirs, (r->ndirs + 1) * sizeof *r->dirs);
	r->dirs[r->ndirs++] = xstrdup(dir);
}

void pm_registry_free(pm_registry *r)
{
	for (size_t i = r->n; i-- > 0;) {
		pm_plugin_entry *e = &r->entries[i];
		if (e->plugin->fini)
			e->plugin->fini();
		dlclose(e->handle);
		free(e->path);
		free(e->sigs);
		for (size_t k = 0; k < e->ntasks; k++)
			free(e->full_names[k]);
		free(e->full_names);
	}
	free(r->entries);
	for (size_t i = 0; i < r->ndirs; i++)
		free(r->dirs[i]);
	free(r->dirs);
	memset(r, 0, sizeof *r);
}

static pm_type type_from_name(const char *s, bool *ok)
{
	*ok = true;
	if (!strcmp(s, "int"))
		return PM_INT;
	if (!strcmp(s, "float"))
		return PM_FLOAT;
	if (!strcmp(s, "str"))
		return PM_STR;
	if (!strcmp(s, "bytes"))
		return PM_BYTES;
	if (!strcmp(s, "list"))
		return PM_LIST;
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
					      "unknown type '%s' for parameter '%s' (int, float, str, bytes, list, any)",
					      tname, prm->name);
			p += tl;
		} else if (!prm->variadic && !prm->kwargs) {
			return pm_err(err, errlen,
				      "parameter '%s' has no type (write %s:int)",
				      prm->name, prm->name);
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
	if (nargs < fixed || (!variadic && nargs > fixed)) {
		if (variadic)
			return pm_err(err, errlen,
				      "takes at least %zu argument%s, got %zu",
				      fixed, fixed == 1 ? "" : "s", nargs);
		return pm_err(err, errlen, "takes %zu argument%s, got %zu",
			      fixed, fixed == 1 ? "" : "s", nargs);
	}
	for (size_t i = 0; i < fixed; i++) {
		const pm_param *p = &sig->params[i];
		if (p->type == PM_NONE || args[i].type == p->type)
			continue;
		if (p->type == PM_FLOAT && args[i].type == PM_INT) {
			args[i] = pm_float((double)args[i].u.i);
			continue;
		}
		pm_buf b = { 0 };
		pm_value_format(&b, &args[i]);
		pm_err(err, errlen, "argument '%s' must be %s, got %s %s",
		       p->name, pm_type_name(p->type),
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
	/* Like Python: every parameter before *rest / **kw is required. */
	for (size_t i = 0; i < named && rc == 0; i++)
		if (!filled[i])
			rc = pm_err(err, errlen, "missing argument '%s'",
				    sig->params[i].name);
	size_t used = nslots;
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

static bool has_slash_or_so(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n > 3 && !strcmp(s + n - 3, ".so"));
}

static char *find_in_dirs(const pm_registry *r, const char *name)
{
	for (size_t i = 0; i < r->ndirs; i++) {
		char *p = xasprintf("%s/%s.so", r->dirs[i], name);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Refuse what someone else could have replaced, as sudo does. */
static int check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return pm_err(err, errlen, "cannot load plugin %s: %s", path,
			      strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pm_err(err, errlen,
			      "cannot load plugin %s: not a regular file", path);
	if (st.st_mode & S_IWOTH)
		return pm_err(err, errlen,
			      "refusing plugin %s: it is writable by others",
			      path);
	char *copy = xstrdup(path);
	char *dir = dirname(copy);
	struct stat dst;
	int bad = stat(dir, &dst) == 0 && (dst.st_mode & S_IWOTH) &&
		  !(dst.st_mode & S_ISVTX);
	if (bad) {
		pm_err(err, errlen,
		       "refusing plugin %s: its directory %s is writable by others",
		       path, dir);
		free(copy);
		return -1;
	}
	free(copy);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char magic[4] = { 0 };
	if (fd < 0)
		return pm_err(err, errlen, "cannot load plugin %s: %s", path,
			      strerror(errno));
	ssize_t got = read(fd, magic, sizeof magic);
	close(fd);
	if (got != 4 || memcmp(magic, "\177ELF", 4) != 0)
		return pm_err(err, errlen,
			      "cannot load plugin %s: not an ELF shared object",
			      path);
	return 0;
}

static int task_name_taken(const pm_registry *r, const char *plugin,
			   const char *task)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct pm_plugin *p = r->entries[i].plugin;
		if (strcmp(p->name, plugin))
			continue;
		for (size_t k = 0; p->tasks[k].name; k++)
			if (!strcmp(p->tasks[k].name, task))
				return 1;
	}
	return 0;
}

static int vet_plugin(const pm_registry *r, const struct pm_plugin *p,
		      const char *path, pm_signature **sigs_out,
		      size_t *ntasks_out, char *err, size_t errlen)
{
	if (POOLMON_ABI_GET_MAJOR(p->abi_version) != POOLMON_ABI_MAJOR)
		return pm_err(err, errlen,
			      "refusing plugin %s: ABI version %u.%u, poolmon speaks %u.%u",
			      path, POOLMON_ABI_GET_MAJOR(p->abi_version),
			      POOLMON_ABI_GET_MINOR(p->abi_version),
			      POOLMON_ABI_MAJOR, POOLMON_ABI_MINOR);
	if (!p->name || !*p->name || strchr(p->name, '.') ||
	    strpbrk(p->name, " \t"))
		return pm_err(err, errlen,
			      "refusing plugin %s: missing or bad plugin name",
			      path);
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->entries[i].plugin->name, p->name))
			return pm_err(err, errlen,
				      "refusing plugin %s: a plugin named '%s' is already loaded from %s",
				      path, p->name, r->entries[i].path);
	if (!p->tasks)
		return pm_err(err, errlen, "refusing plugin %s: no task table",
			      path);
	size_t n = 0;
	while (p->tasks[n].name)
		n++;
	pm_signature *sigs = xcalloc(n ? n : 1, sizeof *sigs);
	for (size_t i = 0; i < n; i++) {
		const struct pm_task_def *t = &p->tasks[i];
		char why[256];
		if (!*t->name || strpbrk(t->name, ". \t") || !t->fn) {
			free(sigs);
			return pm_err(err, errlen,
				      "refusing plugin %s: task %zu has a bad name or no function",
				      path, i + 1);
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->tasks[k].name, t->name)) {
				free(sigs);
				return pm_err(err, errlen,
					      "refusing plugin %s: task '%s' is defined twice",
					      path, t->name);
			}
		if (task_name_taken(r, p->name, t->name)) {
			free(sigs);
			return pm_err(err, errlen,
				      "refusing plugin %s: task '%s.%s' exists already",
				      path, p->name, t->name);
		}
		if (pm_signature_parse(t->signature, &sigs[i], why,
				       sizeof why) < 0) {
			free(sigs);
			return pm_err(err, errlen,
				      "refusing plugin %s: task '%s' has a malformed signature \"%s\": %s",
				      path, t->name, t->signature, why);
		}
	}
	*sigs_out = sigs;
	*ntasks_out = n;
	return 0;
}

static int load_checked(pm_registry *r, const char *path, bool checks,
			char *err, size_t errlen)
{
	if (checks && check_file(path, err, errlen) < 0)
		return -1;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return pm_err(err, errlen, "cannot load plugin %s: %s", path,
			      dlerror());
	const struct pm_plugin *p = dlsym(h, POOLMON_PLUGIN_SYMBOL);
	if (!p) {
		dlclose(h);
		return pm_err(err, errlen,
			      "refusing plugin %s: it does not export the symbol '%s'",
			      path, POOLMON_PLUGIN_SYMBOL);
	}
	pm_signature *sigs = NULL;
	size_t ntasks = 0;
	if (vet_plugin(r, p, path, &sigs, &ntasks, err, errlen) < 0) {
		dlclose(h);
		return -1;
	}
	if (p->init) {
		char why[256] = "";
		if (p->init(why, sizeof why) != 0) {
			free(sigs);
			dlclose(h);
			return pm_err(err, errlen,
				      "refusing plugin %s: its init failed: %s",
				      path, *why ? why : "no reason given");
		}
	}
	char **names = xcalloc(ntasks ? ntasks : 1, sizeof *names);
	for (size_t i = 0; i < ntasks; i++)
		names[i] = xasprintf("%s.%s", p->name, p->tasks[i].name);
	r->entries = xrealloc(r->entries, (r->n + 1) * sizeof *r->entries);
	r->entries[r->n++] = (pm_plugin_entry){ h, p, xstrdup(path), sigs,
						names, ntasks };
	return 0;
}

int pm_registry_load(pm_registry *r, const char *spec, char *err,
		     size_t errlen)
{
	if (!spec || !*spec)
		return pm_err(err, errlen, "load: no plugin named");
	if (has_slash_or_so(spec)) {
		char *real = realpath(spec, NULL);
		if (!real)
			return pm_err(err, errlen, "cannot load plugin %s: %s",
				      spec, strerror(errno));
		int rc = load_checked(r, real, true, err, errlen);
		free(real);
		return rc;
	}
	char *path = find_in_dirs(r, spec);
	if (!path) {
		pm_buf b = { 0 };
		for (size_t i = 0; i < r->ndirs; i++)
			pm_buf_printf(&b, "%s%s", i ? ":" : "", r->dirs[i]);
		pm_err(err, errlen, "no plugin '%s' in the plugin path (%s)",
		       spec, b.s ? b.s : "empty");
		pm_buf_free(&b);
		return -1;
	}
	char *real = realpath(path, NULL);
	int rc = load_checked(r, real ? real : path, true, err, errlen);
	free(real);
	free(path);
	return rc;
}

int pm_registry_load_path(pm_registry *r, const char *path, char *err,
			  size_t errlen)
{
	return load_checked(r, path, false, err, errlen);
}

int pm_registry_find(const pm_registry *r, const char *name, size_t *plugin,
		     size_t *task, char *err, size_t errlen)
{
	const char *dot = strchr(name, '.');
	size_t found = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct pm_plugin *p = r->entries[i].plugin;
		const char *tname = name;
		if (dot) {
			size_t pl = (size_t)(dot - name);
			if (strlen(p->name) != pl || strncmp(p->name, name, pl))
				continue;
			tname = dot + 1;
		}
		for (size_t k = 0; k < r->entries[i].ntasks; k++) {
			if (strcmp(p->tasks[k].name, tname))
				continue;
			if (found++ == 0) {
				*plugin = i;
				*task = k;
			}
		}
	}
	if (found == 1)
		return 0;
	if (found > 1)
		return pm_err(err, errlen,
			      "task name '%s' is ambiguous: write plugin.%s",
			      name, name);
	return pm_err(err, errlen, "unknown task '%s' (see 'tasks')", name);
}
