/* SPDX-License-Identifier: GPL-3.0-or-later */
/* text.c — text on the screen (see text.h). */
#define _GNU_SOURCE
#include "text.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "util.h"

wchar_t *text_widen(const char *s, size_t len, size_t *out_n)
{
	wchar_t *w = xcalloc(len + 1, sizeof *w);
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = 0, i = 0;
	while (i < len) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, len - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof st);
			wc = s[i] ? L'?' : L' ';
			r = 1;
		}
		if (!iswprint((wint_t)wc))
			wc = wc == L'\t' ? L' ' : L'?';
		w[n++] = wc;
		i += r;
	}
	w[n] = 0;
	*out_n = n;
	return w;
}

int text_wc_width(wchar_t c)
{
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

int text_put_wide(int y, int x, const wchar_t *w, size_t n, int maxw)
{
	int used = 0;
	size_t k = 0;
	while (k < n && used + text_wc_width(w[k]) <= maxw)
		used += text_wc_width(w[k++]);
	if (k)
		mvaddnwstr(y, x, w, (int)k);
	return used;
}

int text_put(int y, int x, const char *s, int maxw)
{
	if (maxw <= 0)
		return 0;
	size_t n;
	wchar_t *w = text_widen(s, strlen(s), &n);
	int used = text_put_wide(y, x, w, n, maxw);
	free(w);
	return used;
}

int text_width(const char *s)
{
	size_t n;
	wchar_t *w = text_widen(s, strlen(s), &n);
	int cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += text_wc_width(w[i]);
	free(w);
	return cols;
}

void text_put_clipped(int y, int x, int width, const char *s, bool utf8)
{
	if (width <= 0)
		return;
	if (text_width(s) <= width) {
		text_put(y, x, s, width);
		return;
	}
	int used = text_put(y, x, s, width - 1);
	text_put(y, x + used, utf8 ? "…" : "~", 1);
}

void text_put_cell(int y, int *x, int width, bool right, const char *s)
{
	int tw = text_width(s);
	int pad = right && tw < width ? width - tw : 0;
	text_put(y, *x + pad, s, width - pad);
	*x += width + 1;
}

void text_box(int y, int x, int h, int w, const char *title)
{
	for (int r = y; r < y + h; r++)
		mvhline(r, x, ' ', w);
	mvhline(y, x, ACS_HLINE, w);
	mvhline(y + h - 1, x, ACS_HLINE, w);
	mvvline(y, x, ACS_VLINE, h);
	mvvline(y, x + w - 1, ACS_VLINE, h);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attron(A_BOLD);
	mvaddch(y, x + 2, ' ');
	int tw = text_put(y, x + 3, title, w - 6);
	mvaddch(y, x + 3 + tw, ' ');
	attroff(A_BOLD);
}

void fmt_kb(char *buf, size_t len, unsigned long kb)
{
	if (kb < 1000)
		snprintf(buf, len, "%luK", kb);
	else if (kb < 100 * 1024)
		snprintf(buf, len, "%.1fM", (double)kb / 1024.0);
	else if (kb < 1000 * 1024)
		snprintf(buf, len, "%luM", kb / 1024);
	else
		snprintf(buf, len, "%.1fG", (double)kb / (1024.0 * 1024.0));
}

void fmt_elapsed(char *buf, size_t len, double s)
{
	if (s < 0)
		s = 0;
	if (s < 0.9995) /* under a second: milliseconds */
		snprintf(buf, len, "%.0fms", s * 1000);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, len, "%d:%02d:%02d", (int)s / 3600,
			 (int)s / 60 % 60, (int)s % 60);
}
