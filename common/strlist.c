/* SPDX-License-Identifier: ISC */

/*
 * A growable list of strings that owns its strings: configuration lists,
 * a root's problems, the mount journal, whatever a module collects.
 */

#include <stdlib.h>

#include "common.h"

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

void
strlist_clear(struct strlist *l)
{
	int	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
strlist_copy(struct strlist *dst, const struct strlist *src)
{
	int	 i;

	strlist_clear(dst);
	for (i = 0; i < src->n; i++)
		strlist_add(dst, src->v[i]);
}
