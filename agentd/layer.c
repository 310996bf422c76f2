/* SPDX-License-Identifier: ISC */

/*
 * The pure half of storage layers (md RAID, LVM, LUKS, BitLocker): reading
 * what lvm and cryptsetup print, device-mapper names, the "on" text that
 * says what a root sits on, and the wrong-passphrase counter. Nothing here
 * touches a device, so all of it is unit tested.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tetherd.h"

/*
 * Split one line of "lvm ... --noheadings --separator |" output into at
 * most max fields, each trimmed of the blanks lvm pads with. The line is
 * changed in place. The number of fields, or -1 if there are more.
 */
static int
layer_fields(char *line, char **f, int max)
{
	char	*p, *end;
	int	 n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (p = line; p != NULL; p = end) {
		if ((end = strchr(p, '|')) != NULL)
			*end++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (n == max)
			return (-1);
		f[n++] = p;
		for (p += strlen(p); p > f[n - 1] &&
		    isspace((unsigned char)p[-1]); p--)
			p[-1] = '\0';
	}
	return (n);
}

/* A VG name as lvm allows it: it goes on command lines and in names. */
int
layer_vg_name_ok(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len > 127 || *s == '-' || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return (0);
	return (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+_.-") == len);
}

/*
 * "pvs -o pv_name,vg_name": the volume groups, each once, of the
 * physical volumes listed. A PV in no VG is skipped; a line that is not
 * two fields, or a VG name lvm would not make, is an error.
 */
int
layer_pvs_parse(const char *text, struct strlist *vgs, char **cause)
{
	char	*copy, *line, *next, *orig, *f[2];
	int	 i, n, rc = 0;

	copy = xstrdup(text);
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		xasprintf(&orig, "%s", line + strspn(line, " \t"));
		n = layer_fields(line, f, 2);
		if (n != 2) {
			xasprintf(cause, "pvs: unexpected line \"%.64s\"", orig);
			free(orig);
			rc = -1;
			break;
		}
		free(orig);
		if (*f[1] == '\0')
			continue;
		if (!layer_vg_name_ok(f[1])) {
			xasprintf(cause, "pvs: bad volume group name \"%.64s\"",
			    f[1]);
			rc = -1;
			break;
		}
		for (i = 0; i < vgs->n; i++) {
			if (strcmp(vgs->v[i], f[1]) == 0)
				break;
		}
		if (i == vgs->n)
			strlist_add(vgs, f[1]);
	}
	free(copy);
	return (rc);
}

/*
 * "lvs -o vg_name,lv_name,lv_active": whether any logical volume of vg is
 * active (1), none is (0), or vg has none listed (-1). Someone else's
 * active volume group is left as it is.
 */
int
layer_lvs_active(const char *text, const char *vg)
{
	char	*copy, *line, *next, *f[3];
	int	 rc = -1;

	copy = xstrdup(text);
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (layer_fields(line, f, 3) != 3 || strcmp(f[0], vg) != 0)
			continue;
		if (strcmp(f[2], "active") == 0) {
			rc = 1;
			break;
		}
		rc = 0;
	}
	free(copy);
	return (rc);
}

/*
 * The token types of "cryptsetup luksDump": whether one binds the volume
 * to this machine's TPM, which a rescue system cannot use.
 */
int
layer_luks_tpm(const char *dump)
{
	const char	*p, *line;
	int		 in = 0;

	for (line = dump; line != NULL && *line != '\0'; line = p) {
		p = strchr(line, '\n');
		if (p != NULL)
			p++;
		if (!isspace((unsigned char)*line)) {
			in = strncmp(line, "Tokens:", 7) == 0;
			continue;
		}
		if (!in)
			continue;
		/* "  0: systemd-tpm2" names a token; details are deeper. */
		while (*line == ' ')
			line++;
		line += strspn(line, "0123456789");
		if (strncmp(line, ": systemd-tpm2", 14) == 0 &&
		    (line[14] == '\n' || line[14] == '\0'))
			return (1);
	}
	return (0);
}

/*
 * A device-mapper name of an LVM volume, "vg-lv" with any '-' in either
 * name doubled, as "vg/lv". -1 if it is not one.
 */
int
layer_dm_lvname(const char *dm, char *out, size_t len)
{
	const char	*p;
	size_t		 n = 0;
	int		 split = 0;

	for (p = dm; *p != '\0'; p++) {
		if (n + 2 > len || *p == '/')
			return (-1);
		if (*p == '-' && p[1] == '-') {
			out[n++] = '-';
			p++;
		} else if (*p == '-' && !split && p != dm && p[1] != '\0') {
			out[n++] = '/';
			split = 1;
		} else if (*p == '-')
			return (-1);
		else
			out[n++] = *p;
	}
	out[n] = '\0';
	return (split ? 0 : -1);
}

/* One link of a chain, as the Roots list shows it. */
static char *
layer_link_text(const struct layer_link *l)
{
	char	*s, level[LAYER_NAME_MAX];
	size_t	 i;

	switch (l->kind) {
	case LAYER_LVM:
		return (xstrdup(l->name));
	case LAYER_LUKS:
		xasprintf(&s, "luks %s (unlocked)", l->name);
		return (s);
	case LAYER_BITLK:
		xasprintf(&s, "bitlocker %s (unlocked)", l->name);
		return (s);
	case LAYER_MD:
		for (i = 0; l->level[i] != '\0' && i + 1 < sizeof level; i++)
			level[i] = toupper((unsigned char)l->level[i]);
		level[i] = '\0';
		if (l->total > 0 && l->working < l->total)
			xasprintf(&s, "%s %s (degraded: %d of %d disks)",
			    level, l->name, l->working, l->total);
		else
			xasprintf(&s, "%s %s", level, l->name);
		return (s);
	}
	return (xstrdup(l->name));
}

/* "vg0/root on luks sda3 (unlocked)": top first; NULL for no link. */
char *
layer_chain_text(const struct layer_link *l, int n)
{
	char	*s = NULL, *t, *one;
	int	 i;

	for (i = 0; i < n; i++) {
		one = layer_link_text(&l[i]);
		xasprintf(&t, "%s%s%s", s != NULL ? s : "", s != NULL ?
		    " on " : "", one);
		free(one);
		free(s);
		s = t;
	}
	return (s);
}

/* The health problem of a degraded array, or NULL. */
char *
layer_md_problem(const struct layer_link *l)
{
	char	*s, level[LAYER_NAME_MAX];
	size_t	 i;

	if (l->kind != LAYER_MD || l->total <= 0 || l->working >= l->total)
		return (NULL);
	for (i = 0; l->level[i] != '\0' && i + 1 < sizeof level; i++)
		level[i] = toupper((unsigned char)l->level[i]);
	level[i] = '\0';
	xasprintf(&s, "%s %s degraded: %d of %d disks", level, l->name,
	    l->working, l->total);
	return (s);
}

/*
 * Wrong passphrases: LAYER_TRIES within LAYER_TRY_WINDOW seconds lock a
 * container for LAYER_TRY_LOCK seconds. The seconds left, or 0 if a try
 * may be made now.
 */
int
layer_tries_left(const struct layer_tries *t, time_t now)
{
	if (t->until > now)
		return ((int)(t->until - now));
	return (0);
}

/* One wrong try; 1 if it locks the container. */
int
layer_tries_fail(struct layer_tries *t, time_t now)
{
	int	 i, n = 0;

	/* Only the tries within the window count. */
	for (i = 0; i < t->n; i++) {
		if (t->fail[i] > now - LAYER_TRY_WINDOW && t->fail[i] <= now)
			t->fail[n++] = t->fail[i];
	}
	t->n = n;
	if (t->n == LAYER_TRIES)
		memmove(t->fail, t->fail + 1, --t->n * sizeof *t->fail);
	t->fail[t->n++] = now;
	if (t->n < LAYER_TRIES)
		return (0);
	t->until = now + LAYER_TRY_LOCK;
	t->n = 0;
	return (1);
}

void
layer_tries_ok(struct layer_tries *t)
{
	memset(t, 0, sizeof *t);
}

/*
 * A passphrase typed or piped ends with a newline that is not part of it,
 * as cryptsetup itself reads one from a terminal; a key file's bytes are
 * taken as they are. The length to use.
 */
size_t
layer_key_len(const char *key, size_t len, int keyfile)
{
	if (keyfile)
		return (len);
	if (len > 0 && key[len - 1] == '\n')
		len--;
	if (len > 0 && key[len - 1] == '\r')
		len--;
	return (len);
}

/* What cryptsetup's exit status means, for the technician. */
const char *
layer_crypt_status(int status)
{
	switch (status) {
	case 0:
		return ("unlocked");
	case 1:
		return ("wrong parameters");
	case 2:
		return ("wrong passphrase");
	case 3:
		return ("out of memory");
	case 4:
		return ("wrong device");
	case 5:
		return ("device already exists or is busy");
	}
	return ("failed");
}
