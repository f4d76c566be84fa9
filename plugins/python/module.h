// SPDX-License-Identifier: GPL-3.0-or-later
/* The `poolmon` module inside a worker's interpreter (module.c,
 * module_sync.c): proxies onto poolmon's shared objects by name.  The
 * plugin registers it before Py_Initialize:
 *     PyImport_AppendInittab("poolmon", PyInit_poolmon); */
#ifndef POOLMON_PYMODULE_H
#define POOLMON_PYMODULE_H

#include <Python.h>

PyObject *PyInit_poolmon(void);

#endif
