/* SPDX-License-Identifier: ISC */

/*
 * tetherd.yaml: config_load() on the input as a file. It either loads, or
 * fails with at least one message, each starting "file:line:col:" or
 * "file:"; what loads prints (-T) as YAML that loads again and prints the
 * same: nothing a config author writes can be silently changed.
 */

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "tetherd.h"

/* The input as a file that conf_load() can open by name. */
static int
fuzz_config_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int	 fd;

	if ((fd = memfd_create("tetherd.yaml", 0)) == -1)
		fuzz_fail("memfd_create");
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		fuzz_fail("write");
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return (fd);
}

static void
fuzz_config_errors(struct conf_errors *errs, const char *path)
{
	int	 i;

	if (errs->n == 0)
		fuzz_fail("refused without a message");
	for (i = 0; i < errs->n; i++) {
		if (strncmp(errs->v[i], path, strlen(path)) != 0 ||
		    errs->v[i][strlen(path)] != ':')
			fuzz_fail("message without its file: %s", errs->v[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		 c, again;
	struct conf_errors	 errs;
	char			 path[64], *out, *out2;
	int			 fd, fd2;

	memset(&errs, 0, sizeof errs);
	config_defaults(&c);
	fd = fuzz_config_file(data, size, path, sizeof path);
	if (config_load(path, &c, &errs) != 0) {
		fuzz_config_errors(&errs, path);
		conf_errors_free(&errs);
		config_free(&c);
		close(fd);
		return (0);
	}
	if (errs.n != 0)
		fuzz_fail("loaded with %d messages", errs.n);
	out = config_print(&c);
	fd2 = fuzz_config_file((const uint8_t *)out, strlen(out), path,
	    sizeof path);
	config_defaults(&again);
	if (config_load(path, &again, &errs) != 0)
		fuzz_fail("the printed configuration does not load: %s\n%s",
		    errs.v[0], out);
	out2 = config_print(&again);
	if (strcmp(out, out2) != 0)
		fuzz_fail("printing is not stable:\n%s\n--\n%s", out, out2);
	free(out);
	free(out2);
	config_free(&again);
	config_free(&c);
	close(fd);
	close(fd2);
	return (0);
}
