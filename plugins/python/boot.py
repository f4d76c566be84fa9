# SPDX-License-Identifier: GPL-3.0-or-later
# plugins/python/boot.py — run in every interpreter the python plugin
# starts (compiled into the plugin as pypm_boot_source): importing a module
# by path, reading its functions' signatures, describing an exception, and
# the sys.stdout / sys.stderr whose lines become the task's log lines.
import importlib
import importlib.util
import io
import os
import sys

import _pypm

# inspect and traceback are imported where used: a worker's first task
# does not wait for them.

sys.argv = ['']


class _PmOut(io.TextIOBase):
    """A text stream whose complete lines go to the task's log."""

    def __init__(self, which, name):
        self._which = which
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return 'utf-8'

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f'write() argument must be str, not {type(s).__name__}')
        _pypm.write(self._which, s)
        return len(s)

    def flush(self):
        pass


def _pm_streams():
    sys.stdout = _PmOut(1, '<stdout>')
    sys.stderr = _PmOut(2, '<stderr>')
    # As multiprocessing does in its children: poolmon's input is its own.
    sys.stdin = open(os.devnull)


def _pm_import(name, path):
    if not path:
        return importlib.import_module(name)
    mod = sys.modules.get(name)
    if mod is not None and getattr(mod, '__file__', None) == path:
        return mod
    d = os.path.dirname(path)
    if d not in sys.path:
        sys.path.insert(0, d)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError(f'{path}: not a Python source file')
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def _pm_describe(e):
    t = type(e)
    name = t.__qualname__
    if t.__module__ not in ('builtins', '__main__'):
        name = f'{t.__module__}.{name}'
    s = str(e)
    return f'{name}: {s}' if s else name


def _pm_failure(e):
    """(the one-line error, the traceback's lines) of exception e."""
    import traceback
    tb = traceback.format_exception(type(e), e, e.__traceback__)
    return _pm_describe(e), ''.join(tb).rstrip('\n').split('\n')


# Python's int has no bound: poolmon's 'bigint' (an int of any size).
_PM_TYPES = {int: 'bigint', float: 'float', str: 'str', bytes: 'bytes',
             bool: 'bool', list: 'list'}


def _pm_param_type(p):
    a = p.annotation
    if isinstance(a, str):
        a = {t.__name__: t for t in _PM_TYPES}.get(a)
    return _PM_TYPES.get(a, 'any')


def _pm_default(p):
    r = repr(p.default)
    if len(r) > 24 or any(c in r for c in ',\t\n'):
        r = '...'
    return r


def _pm_signature(f):
    import inspect
    parts, kwonly, kwname = [], [], None
    for p in inspect.signature(f).parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            s = f'{p.name}:{_pm_param_type(p)}'
            if p.default is not p.empty:
                s += '=' + _pm_default(p)
            parts.append(s)
        elif p.kind == p.VAR_POSITIONAL:
            parts.append('*' + p.name)
        elif p.kind == p.KEYWORD_ONLY:
            kwonly.append(p.name if p.default is p.empty
                          else f'{p.name}={_pm_default(p)}')
        else:
            kwname = p.name
    if kwname or kwonly:
        # Keyword-only parameters arrive through the key=value options.
        parts.append('**' + (kwname or 'kwargs'))
    return ', '.join(parts), kwonly


def _pm_inspect(arg):
    import inspect
    if arg.endswith('.py') or '/' in arg:
        path = os.path.realpath(arg)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'No such file: {arg!r}')
        name = os.path.splitext(os.path.basename(path))[0]
    else:
        name, path = arg, ''
    mod = _pm_import(name, path)
    lines = [name + '\t' + path]
    for fname, f in list(vars(mod).items()):
        if fname.startswith('_') or not inspect.isfunction(f):
            continue
        if f.__module__ != mod.__name__:
            continue  # imported from elsewhere
        try:
            sig, kwonly = _pm_signature(f)
        except (TypeError, ValueError):
            continue
        doc = (inspect.getdoc(f) or '').strip().split('\n')[0]
        if kwonly:
            doc = (doc + ' ' if doc else '') + '(keywords: ' + ', '.join(kwonly) + ')'
        lines.append('\t'.join((fname, sig, doc.replace('\t', ' '))))
    if len(lines) == 1:
        where = path or getattr(mod, '__file__', None) or name
        raise ImportError(f'{where} defines no public function (a def not starting with _)')
    return '\n'.join(lines)
