// SPDX-License-Identifier: GPL-3.0-or-later
/* plugins/python/module.c — the `poolmon` module inside a worker's
 * interpreter (registered by pypm_start before Python starts).  A
 * placeholder: its shared-object proxies live elsewhere. */
#include "pypm.h"

static struct PyModuleDef poolmon_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "poolmon",
	.m_doc = "poolmon's shared objects, from a task running in its pool",
	.m_size = -1,
};

PyObject *PyInit_poolmon(void)
{
	return PyModule_Create(&poolmon_module);
}
