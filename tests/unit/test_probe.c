/* Unit tests of device discovery (guest/init/probe.c) on fake sysfs trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"

static char root[] = "/tmp/c2d-test-sysfs.XXXXXX";

static void put(const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* mkdir -p of the parent */
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	if (content == NULL) {
		mkdir(path, 0755);
		return;
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/c2d-test-sysfs.XXXXXX");
	return mkdtemp(root) == NULL;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_finds_disks_ports_sorted(void **state)
{
	(void)state;
	/* Created out of order: the result must not depend on readdir. */
	put("sys/block/vdb/size", "2048\n");
	put("sys/block/vdb/ro", "1\n");
	put("sys/block/vda/size", "8\n");
	put("sys/block/vda/ro", "0\n");
	put("sys/block/loop0/size", "junk");   /* not a virtio disk: ignored */
	put("sys/class/virtio-ports/vport1p2/name", "c2d.kms\n");
	put("sys/class/virtio-ports/vport1p1/name", "c2d.status\n");
	put("sys/class/virtio-ports/vport1p3/name", "");
	struct probe_result p;
	struct c2d_err err = { 0 };
	assert_int_equal(probe_devices(root, &p, &err), C2D_OK);
	assert_int_equal(p.ndisks, 2);
	assert_string_equal(p.disks[0].name, "vda");
	assert_int_equal(p.disks[0].bytes, 8 * 512);
	assert_int_equal(p.disks[0].read_only, 0);
	assert_string_equal(p.disks[1].name, "vdb");
	assert_int_equal(p.disks[1].bytes, 2048 * 512);
	assert_int_equal(p.disks[1].read_only, 1);
	assert_int_equal(p.nports, 3);
	assert_string_equal(p.ports[0].dev, "vport1p1");
	assert_string_equal(p.ports[0].name, "c2d.status");
	assert_string_equal(p.ports[2].name, "");
	assert_int_equal(probe_find_port(&p, "c2d.kms"), 1);
	assert_int_equal(probe_find_port(&p, "nope"), -1);
	assert_int_equal(p.tdx_guest, 0);

	put("sys/devices/virtual/misc/tdx_guest", NULL);
	assert_int_equal(probe_devices(root, &p, &err), C2D_OK);
	assert_int_equal(p.tdx_guest, 1);
}

/* The status port is found even when the rest of the tree is broken. */
static void test_port_lookup_ignores_disks(void **state)
{
	(void)state;
	put("sys/block/vda/size", "garbage\n");
	put("sys/class/virtio-ports/vport2p1/name", "other\n");
	put("sys/class/virtio-ports/vport2p3/name", "c2d.status\n");
	char dev[32];
	struct c2d_err err = { 0 };
	assert_int_equal(probe_port_dev(root, "c2d.status", dev, &err), C2D_OK);
	assert_string_equal(dev, "vport2p3");
	assert_int_equal(probe_port_dev(root, "c2d.kms", dev, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "c2d.kms"));
}

static void test_empty_tree_means_no_devices(void **state)
{
	(void)state;
	struct probe_result p;
	struct c2d_err err = { 0 };
	assert_int_equal(probe_devices(root, &p, &err), C2D_OK);
	assert_int_equal(p.ndisks, 0);
	assert_int_equal(p.nports, 0);
}

static void test_malformed_size_names_the_file(void **state)
{
	(void)state;
	put("sys/block/vda/size", "-5\n");
	put("sys/block/vda/ro", "0\n");
	struct probe_result p;
	struct c2d_err err = { 0 };
	assert_int_equal(probe_devices(root, &p, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "sys/block/vda/size"));
	assert_non_null(strstr(err.msg, "decimal"));

	put("sys/block/vda/size", "99999999999999999999\n"); /* sectors * 512 overflows */
	assert_int_equal(probe_devices(root, &p, &err), C2D_E_INPUT);
}

static void test_parse_u64(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(probe_parse_u64("0\n", 2, &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(probe_parse_u64("18446744073709551615", 20, &v, NULL), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(probe_parse_u64("18446744073709551616", 20, &v, NULL), C2D_E_INPUT);
	assert_int_equal(probe_parse_u64("", 0, &v, NULL), C2D_E_INPUT);
	assert_int_equal(probe_parse_u64("\n", 1, &v, NULL), C2D_E_INPUT);
	assert_int_equal(probe_parse_u64("+1", 2, &v, NULL), C2D_E_INPUT);
	assert_int_equal(probe_parse_u64("1 ", 2, &v, NULL), C2D_E_INPUT);
	assert_int_equal(probe_parse_u64("1\n\n", 3, &v, NULL), C2D_E_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_finds_disks_ports_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_lookup_ignores_disks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_tree_means_no_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_size_names_the_file, setup, teardown),
		cmocka_unit_test(test_parse_u64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
