/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/drivers.c: modules.alias patterns against
 * modaliases, the unbound devices of a sysfs tree made in a temporary
 * directory, and the signature trailer of a module file.
 */

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../agentd/tetherd.h"

static char	 tmp[] = "/tmp/test_drivers.XXXXXX";

static void
put(const char *rel, const char *text)
{
	char	 path[512], *p;
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", tmp, rel);
	for (p = path + strlen(tmp) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

#define VIRTIO_SCSI	"virtio:d00000008v00001AF4"
#define AHCI		"pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01"

static void
test_aliases(void **state)
{
	struct drivers_alias	*a;
	char			*cause = NULL, dir[600];
	int			 n;

	(void)state;
	put("mod/modules.alias", "# Aliases extracted from modules.\n"
	    "alias virtio:d00000008v* virtio_scsi\n"
	    "alias pci:v*d*sv*sd*bc01sc06i01* ahci\n"
	    "alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb-storage\n"
	    "alias fs-ext4 ext4\n");
	snprintf(dir, sizeof dir, "%s/mod", tmp);
	assert_int_equal(drivers_aliases(dir, &a, &n, &cause), 0);
	assert_int_equal(n, 4);
	assert_string_equal(drivers_match(a, n, VIRTIO_SCSI), "virtio_scsi");
	assert_string_equal(drivers_match(a, n, AHCI), "ahci");
	/* Dashes become underscores, as modules.dep names them. */
	assert_string_equal(drivers_match(a, n, "usb:v0781p5567d0100dc00dsc00"
	    "dp00ic08isc06ip50in00"), "usb_storage");
	assert_null(drivers_match(a, n, "virtio:d00000001v00001AF4"));
	drivers_aliases_free(a, n);
	snprintf(dir, sizeof dir, "%s/nosuch", tmp);
	assert_int_equal(drivers_aliases(dir, &a, &n, &cause), -1);
	assert_non_null(strstr(cause, "modules.alias"));
	free(cause);
}

static void
test_unbound(void **state)
{
	struct drivers_dev	*d;
	char			 sys[600], path[700];
	int			 n;

	(void)state;
	put("sys/bus/virtio/devices/virtio0/modalias",
	    "virtio:d00000001v00001AF4\n");
	put("sys/bus/virtio/devices/virtio2/modalias", VIRTIO_SCSI "\n");
	put("sys/bus/pci/devices/0000:00:1f.2/modalias", AHCI "\n");
	put("sys/bus/pci/devices/0000:00:00.0/modalias",
	    "pci:v00008086d000029C0\n");
	put("sys/bus/usb/devices/usb1/idVendor", "1d6b\n");
	/* Bound: a driver link, as sysfs has it. */
	snprintf(path, sizeof path, "%s/sys/bus/virtio/devices/virtio0/driver",
	    tmp);
	assert_int_equal(symlink("../../../bus/virtio/drivers/virtio_net",
	    path), 0);
	snprintf(path, sizeof path,
	    "%s/sys/bus/pci/devices/0000:00:00.0/driver", tmp);
	assert_int_equal(symlink("../../bus/pci/drivers/lpc_ich", path), 0);
	snprintf(sys, sizeof sys, "%s/sys", tmp);
	assert_int_equal(drivers_unbound(sys, &d, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].bus, "pci");
	assert_string_equal(d[0].name, "0000:00:1f.2");
	assert_string_equal(d[0].modalias, AHCI);
	assert_string_equal(d[1].bus, "virtio");
	assert_string_equal(d[1].name, "virtio2");
	assert_string_equal(d[1].modalias, VIRTIO_SCSI);
	drivers_devs_free(d, n);
}

static void
test_signed(void **state)
{
	char	 path[600];

	(void)state;
	put("signed.ko",
	    "\177ELF...module...sig...~Module signature appended~\n");
	put("unsigned.ko", "\177ELF...module...");
	put("short.ko", "~Module");
	snprintf(path, sizeof path, "%s/signed.ko", tmp);
	assert_int_equal(drivers_signed(path), 1);
	snprintf(path, sizeof path, "%s/unsigned.ko", tmp);
	assert_int_equal(drivers_signed(path), 0);
	snprintf(path, sizeof path, "%s/short.ko", tmp);
	assert_int_equal(drivers_signed(path), 0);
	snprintf(path, sizeof path, "%s/nosuch.ko", tmp);
	assert_int_equal(drivers_signed(path), 0);
}

static int
teardown_all(void **state)
{
	char	 cmd[300];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	return (system(cmd));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_unbound),
		cmocka_unit_test(test_signed),
	};

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	return (cmocka_run_group_tests(tests, NULL, teardown_all));
}
