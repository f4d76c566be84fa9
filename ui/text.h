/* SPDX-License-Identifier: GPL-3.0-or-later */
/* text.h — text on the screen: UTF-8 clipped to columns, cells, boxes,
 * and the figures' formats (sizes, elapsed times). */
#ifndef POOLMON_UI_TEXT_H
#define POOLMON_UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Decodes s into wide characters (malloc'd); invalid bytes become '?'. */
wchar_t *text_widen(const char *s, size_t len, size_t *out_n);
int text_wc_width(wchar_t c);
/* Prints at most maxw columns of the wide string; returns columns used. */
int text_put_wide(int y, int x, const wchar_t *w, size_t n, int maxw);
/* Prints a UTF-8 string clipped to maxw columns; returns columns used. */
int text_put(int y, int x, const char *s, int maxw);
int text_width(const char *s);
/* Prints s in exactly width columns, ending in an ellipsis when cut. */
void text_put_clipped(int y, int x, int width, const char *s, bool utf8);
/* A table cell of width columns at *x, right-aligned or not; moves *x
 * past it and the blank after it. */
void text_put_cell(int y, int *x, int width, bool right, const char *s);
/* A box with a title, its inside blanked. */
void text_box(int y, int x, int h, int w, const char *title);

void fmt_kb(char *buf, size_t len, unsigned long kb);
void fmt_elapsed(char *buf, size_t len, double s);

#endif
