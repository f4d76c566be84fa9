/* SPDX-License-Identifier: GPL-3.0-or-later */
/* show_queue.c — what `show NAME` lists of a queue: its first items in
 * order, left in the queue (pm_shared_queue_peek), and how many more. */
#include "commands.h"

#include "output.h"
#include "shared.h"
#include "state.h"
#include "value.h"

/* show of a queue: its first SHOW_ITEMS items in order, not taken. */
#define SHOW_ITEMS 20

void pm_cmd_queue_items_text(pm_cli *c, void *obj, const char *name)
{
	pm_value items[SHOW_ITEMS];
	size_t n, total;
	int rc = pm_shared_queue_peek(obj, SHOW_ITEMS, items, &n, &total);
	for (size_t i = 0; i < n; i++) {
		pm_buf b = { 0 };
		pm_value_format(&b, &items[i]);
		pm_cli_info(c, "  %zu: %s", i + 1, b.s);
		pm_buf_free(&b);
		pm_value_free(&items[i]);
	}
	if (rc != PM_SHM_OK)
		pm_cli_info(c, "  (%s: items not read: %s)", name,
			    pm_shared_api()->strerror(rc));
	else if (total > n)
		pm_cli_info(c, "  … %zu more (%zu in all)", total - n, total);
}

void pm_cmd_queue_items_json(pm_buf *b, void *obj)
{
	pm_value items[SHOW_ITEMS];
	size_t n, total;
	int rc = pm_shared_queue_peek(obj, SHOW_ITEMS, items, &n, &total);
	pm_buf_puts(b, ",\"items\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			pm_buf_puts(b, ",");
		pm_value_json(b, &items[i]);
		pm_value_free(&items[i]);
	}
	pm_buf_puts(b, "]");
	pm_buf_printf(b, ",\"count\":%zu,\"truncated\":%s", total,
		      rc == PM_SHM_OK && total > n ? "true" : "false");
	if (rc != PM_SHM_OK) {
		pm_buf_puts(b, ",\"items_error\":");
		pm_json_string(b, pm_shared_api()->strerror(rc));
	}
}

