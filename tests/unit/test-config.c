// SPDX-License-Identifier: LGPL-2.1-or-later
/* The per-domain INI file (hooks/config.c): every key and its default,
 * every refusal with its exact "path:line: message", and the ownership
 * and mode checks eng_config_load() makes before reading a root hook's file. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testlib.h"
#include "hooktest.h"

#define P T_INI
#define DEVICES_KEYS "(passthrough, driver, take_group, take_companions, reset, reset_at, " \
	"suspend_seconds, suspend_attempts, wait_ms, write_ms, free)"
#define DEVICE_KEYS "(driver, reset, reset_at, suspend_seconds, suspend_attempts)"
#define LOWER ": names are lower-case (did you mean "
#define SGPU_KEYS "(enabled, stop_units, unbind_vtconsoles, unbind_framebuffers, unload_modules)"
#define SECTIONS "([devices], [device ADDRESS], [single-gpu], [holders], [memory], [cpus], [looking-glass])"

static void test_defaults(void **state)
{
	struct hook_config c;

	(void)state;
	t_config(&c, "[devices]\npassthrough = auto\n");
	assert_string_equal(c.path, P);
	assert_true(c.from_xml);
	assert_int_equal(c.n_listed, 0);
	assert_string_equal(c.defaults.driver, "vfio-pci");
	assert_true(c.take_group);
	assert_true(c.take_companions);
	assert_int_equal(c.defaults.reset, RESET_NONE);
	assert_int_equal(c.defaults.reset_at, RESET_AT_RELEASE);
	assert_int_equal(c.defaults.suspend_seconds, 2);
	assert_int_equal(c.defaults.suspend_attempts, 3);
	assert_int_equal(c.wait_ms, 10000);
	assert_int_equal(c.n_dev, 0);
	assert_false(c.single_gpu);
	assert_int_equal(c.n_units, 0);
	assert_true(c.unbind_vtconsoles);
	assert_true(c.unbind_framebuffers);
	assert_int_equal(c.n_modules, 0);
	assert_int_equal(c.when_held, HELD_REFUSE);
	assert_int_equal(c.n_held_units, 0);
	assert_int_equal(c.n_held_user_units, 0);
	assert_string_equal(c.held_user, "auto");
	assert_int_equal(c.held_wait_s, 5);
	eng_config_free(&c);
}

static void test_holders_keys(void **state)
{
	struct hook_config c;

	(void)state;
	t_config(&c, "[holders]\nwhen_held = stop\nstop_units = pulseaudio-system.service\n"
		 "stop_user_units = pipewire.socket pipewire.service wireplumber.service\n"
		 "user = alice\nwait_seconds = 2\n");
	assert_int_equal(c.when_held, HELD_STOP);
	assert_int_equal(c.n_held_units, 1);
	assert_string_equal(c.held_units[0], "pulseaudio-system.service");
	assert_int_equal(c.n_held_user_units, 3);
	assert_string_equal(c.held_user_units[2], "wireplumber.service");
	assert_string_equal(c.held_user, "alice");
	assert_int_equal(c.held_wait_s, 2);
	eng_config_free(&c);
}

static void test_every_key(void **state)
{
	struct hook_config c;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0"), nic = t_addr("0000:02:01.0");

	(void)state;
	t_config(&c,
		 "# every key there is\n"
		 "[devices]\n"
		 "passthrough = auto, 0000:01:00.0 02:01.0\n"
		 "driver = pci-stub\n"
		 "take_group = no\n"
		 "take_companions = off\n"
		 "reset = suspend\n"
		 "reset_at = both\n"
		 "suspend_seconds = 60\n"
		 "suspend_attempts = 10\n"
		 "wait_ms = 600000\n"
		 "\n"
		 "[device 0000:01:00.0]\n"
		 "driver = vfio-pci\n"
		 "reset = none\n"
		 "reset_at = prepare\n"
		 "suspend_seconds = 1\n"
		 "suspend_attempts = 1\n"
		 "\n"
		 "[single-gpu]\n"
		 "enabled = yes\n"
		 "stop_units = display-manager.service, getty@tty1.service sys-x\\x2dy.device\n"
		 "unbind_vtconsoles = false\n"
		 "unbind_framebuffers = 0\n"
		 "unload_modules = amdgpu nvidia_drm\n");
	assert_true(c.from_xml);
	assert_int_equal(c.n_listed, 2);
	assert_true(vfh_pci_addr_eq(&c.listed[0], &gpu));
	assert_true(vfh_pci_addr_eq(&c.listed[1], &nic));
	assert_int_equal(c.listed_line[0], 3);
	assert_int_equal(c.listed_line[1], 3);
	assert_string_equal(c.defaults.driver, "pci-stub");
	assert_false(c.take_group);
	assert_false(c.take_companions);
	assert_int_equal(c.defaults.reset, RESET_SUSPEND);
	assert_int_equal(c.defaults.reset_at, RESET_AT_PREPARE | RESET_AT_RELEASE);
	assert_int_equal(c.defaults.suspend_seconds, 60);
	assert_int_equal(c.defaults.suspend_attempts, 10);
	assert_int_equal(c.wait_ms, 600000);
	assert_int_equal(c.n_dev, 1);
	assert_true(vfh_pci_addr_eq(&c.dev[0].addr, &gpu));
	assert_int_equal(c.dev[0].line, 13);
	assert_string_equal(c.dev[0].driver, "vfio-pci");
	assert_int_equal(c.dev[0].reset, RESET_NONE);
	assert_int_equal(c.dev[0].reset_at, RESET_AT_PREPARE);
	assert_int_equal(c.dev[0].suspend_seconds, 1);
	assert_int_equal(c.dev[0].suspend_attempts, 1);
	assert_true(c.single_gpu);
	assert_int_equal(c.n_units, 3);
	assert_string_equal(c.stop_units[0], "display-manager.service");
	assert_string_equal(c.stop_units[1], "getty@tty1.service");
	assert_string_equal(c.stop_units[2], "sys-x\\x2dy.device");
	assert_false(c.unbind_vtconsoles);
	assert_false(c.unbind_framebuffers);
	assert_int_equal(c.n_modules, 2);
	assert_string_equal(c.unload_modules[0], "amdgpu");
	assert_string_equal(c.unload_modules[1], "nvidia_drm");
	eng_config_free(&c);
	/* freed means empty, and a second free is harmless */
	assert_null(c.listed);
	assert_int_equal(c.n_units, 0);
	eng_config_free(&c);
}

static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True", "On" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "False", "oFF" };
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct hook_config c;

		snprintf(text, sizeof(text), "[devices]\npassthrough = auto\ntake_group = %s\n"
			 "take_companions = %s\n", no[i], yes[i]);
		t_config(&c, text);
		assert_false(c.take_group);
		assert_true(c.take_companions);
		eng_config_free(&c);
	}
}

static void test_ranges_at_their_bounds(void **state)
{
	struct hook_config c;

	(void)state;
	t_config(&c, "[devices]\npassthrough = auto\nsuspend_seconds = 1\nsuspend_attempts = 1\n"
		 "wait_ms = 100\n");
	assert_int_equal(c.defaults.suspend_seconds, 1);
	assert_int_equal(c.defaults.suspend_attempts, 1);
	assert_int_equal(c.wait_ms, 100);
	eng_config_free(&c);
	t_config(&c, "[devices]\npassthrough = auto\nsuspend_seconds = 060\nreset_at = release\n"
		 "reset = auto\n");
	assert_int_equal(c.defaults.suspend_seconds, 60);
	assert_int_equal(c.defaults.reset_at, RESET_AT_RELEASE);
	assert_int_equal(c.defaults.reset, RESET_AUTO);
	eng_config_free(&c);
}

static void test_single_gpu_alone(void **state)
{
	struct hook_config c;

	(void)state;
	/* the section turns it on; enabled = no turns it off again */
	t_config(&c, "[single-gpu]\n");
	assert_true(c.single_gpu);
	eng_config_free(&c);
	t_config(&c, "[single-gpu]\nenabled = no\n");
	assert_false(c.single_gpu);
	eng_config_free(&c);
}

static void test_device_short_and_padded_headers(void **state)
{
	struct hook_config c;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0");

	(void)state;
	t_config(&c, "[devices]\npassthrough = 01:00.0\n[device   01:00.0]\nreset = auto\n");
	assert_int_equal(c.n_listed, 1);
	assert_true(vfh_pci_addr_eq(&c.listed[0], &gpu));
	assert_false(c.from_xml);
	assert_int_equal(c.n_dev, 1);
	assert_true(vfh_pci_addr_eq(&c.dev[0].addr, &gpu));
	eng_config_free(&c);
}

/* Comments: a line starting with '#' or ';', and from a '#' or ';' after a
 * blank to the end of the line (no key takes either character) */
static void test_comments(void **state)
{
	struct hook_config c;
	char err[1024];

	(void)state;
	t_config(&c, "; a comment\n# another\n[devices] ; the devices\npassthrough = auto ; all of "
		 "them\ntake_group = no # the bridge stays\n  # indented comment\n"
		 "[device 01:00.0]\t# the GPU\nreset = auto\t;tab before\n"
		 "[single-gpu] # one GPU\nstop_units = gdm.service # and sddm.service\n");
	assert_true(c.from_xml);
	assert_false(c.take_group);
	assert_int_equal(c.n_dev, 1);
	assert_int_equal(c.dev[0].reset, RESET_AUTO);
	assert_int_equal(c.n_units, 1);
	assert_string_equal(c.stop_units[0], "gdm.service");
	eng_config_free(&c);
	/* without a blank before it, it is part of the value */
	assert_int_equal(t_config_err("[devices]\npassthrough = auto\ndriver = vfio-pci;x\n", err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: driver: 'vfio-pci;x' is not a driver name (vfio-pci, "
			    "pci-stub...)");
	assert_int_equal(t_config_err("[devices]\npassthrough = auto\ntake_group = no#x\n", err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: take_group: 'no#x' is not yes or no");
	/* a value that is all comment is no value */
	assert_int_equal(t_config_err("[devices]\npassthrough = # the GPU\n", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, P ":2: passthrough has no value");
}

/* inih would take an indented line as the continuation of the value
 * above; the reader strips the indentation first, so it is a line of its
 * own. */
static void test_indented_lines_are_not_continuations(void **state)
{
	struct hook_config c;
	char err[1024];

	(void)state;
	t_config(&c, "  [devices]\n\tpassthrough = 0000:01:00.0\n    take_group = no\n");
	assert_int_equal(c.n_listed, 1);
	assert_false(c.take_group);
	eng_config_free(&c);
	assert_int_equal(t_config_err("[devices]\npassthrough = 0000:01:00.0\n    more\n", err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: expected 'key = value', '[section]' or a comment");
	/* an indented address is not appended to the list above: it is a
	 * line of its own, read as "0000: 02:00.0" */
	assert_int_equal(t_config_err("[devices]\npassthrough = 0000:01:00.0\n    0000:02:00.0\n",
				      err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: unknown key '0000' in [devices] " DEVICES_KEYS);
}

/* A file saved with a UTF-8 byte order mark: inih skips the mark, and so
 * must the reader that watches for section headers. */
static void test_bom(void **state)
{
	struct hook_config c;

	(void)state;
	t_config(&c, "\xef\xbb\xbf# saved by Notepad\n[devices]\npassthrough = auto\n");
	assert_true(c.from_xml);
	eng_config_free(&c);
	t_config(&c, "\xef\xbb\xbf[devices]\npassthrough = auto\n");
	assert_true(c.from_xml);
	eng_config_free(&c);
}

struct bad {
	const char *text;
	const char *err;
};

static void check_bad(const struct bad *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char err[1024];
		int r = t_config_err(b[i].text, err, sizeof(err));

		if (r != -EINVAL || strcmp(err, b[i].err) != 0)
			fail_msg("case %zu:\n%s\nwant %s\ngot  %d %s", i, b[i].text, b[i].err, r, err);
	}
}

static void test_unknown_sections_and_keys(void **state)
{
	static const struct bad b[] = {
		{ "[devices]\npassthrough = auto\n[foo]\n", P ":3: unknown section [foo] " SECTIONS },
		{ "[Devices]\npassthrough = auto\n", P ":1: unknown section [Devices]" LOWER
		  "[devices]?)" },
		{ "[SINGLE-GPU]\n", P ":1: unknown section [SINGLE-GPU]" LOWER "[single-gpu]?)" },
		{ "[devices]\npassthrough = auto\n[Device 0000:01:00.0]\n",
		  P ":3: unknown section [Device 0000:01:00.0]" LOWER "[device 0000:01:00.0]?)" },
		{ "[device]\n", P ":1: unknown section [device] " SECTIONS },
		{ "[single_gpu]\n", P ":1: unknown section [single_gpu] " SECTIONS },
		{ "[devices]\npassthrough = auto\nbogus = 1\n",
		  P ":3: unknown key 'bogus' in [devices] " DEVICES_KEYS },
		{ "[devices]\nPassthrough = auto\n",
		  P ":2: unknown key 'Passthrough' in [devices]" LOWER "'passthrough'?)" },
		{ "[devices]\nTAKE_GROUP = no\n",
		  P ":2: unknown key 'TAKE_GROUP' in [devices]" LOWER "'take_group'?)" },
		{ "[single-gpu]\nEnabled = yes\n",
		  P ":2: unknown key 'Enabled' in [single-gpu]" LOWER "'enabled'?)" },
		{ "[devices]\nPassThrough2 = auto\n",
		  P ":2: unknown key 'PassThrough2' in [devices] " DEVICES_KEYS },
		{ "[devices]\npassthrough = auto\nenabled = yes\n",
		  P ":3: unknown key 'enabled' in [devices] " DEVICES_KEYS },
		{ "[devices]\npassthrough = 0000:01:00.0\n[device 0000:01:00.0]\ntake_group = no\n",
		  P ":4: unknown key 'take_group' in [device ADDRESS] " DEVICE_KEYS },
		{ "[devices]\npassthrough = auto\n[device 0000:01:00.0]\npassthrough = auto\n",
		  P ":4: unknown key 'passthrough' in [device ADDRESS] " DEVICE_KEYS },
		{ "[single-gpu]\nstop_unit = gdm.service\n",
		  P ":2: unknown key 'stop_unit' in [single-gpu] " SGPU_KEYS },
		{ "[single-gpu]\ndriver = vfio-pci\n",
		  P ":2: unknown key 'driver' in [single-gpu] " SGPU_KEYS },
	};

	(void)state;
	check_bad(b, sizeof(b) / sizeof(b[0]));
}

#define D "[devices]\npassthrough = auto\n"

static void test_bad_values(void **state)
{
	static const struct bad b[] = {
		{ "[devices]\npassthrough = 01:00\n", P ":2: passthrough: '01:00' is neither 'auto' "
		  "nor a PCI address (DDDD:BB:SS.F, see lspci -D)" },
		{ "[devices]\npassthrough = 0000:01:00.8\n", P ":2: passthrough: '0000:01:00.8' is "
		  "neither 'auto' nor a PCI address (DDDD:BB:SS.F, see lspci -D)" },
		{ "[devices]\npassthrough = 0000:01:20.0\n", P ":2: passthrough: '0000:01:20.0' is "
		  "neither 'auto' nor a PCI address (DDDD:BB:SS.F, see lspci -D)" },
		{ "[devices]\npassthrough = Auto\n", P ":2: passthrough: 'Auto' is neither 'auto' nor "
		  "a PCI address (DDDD:BB:SS.F, see lspci -D)" LOWER "'auto'?)" },
		{ "[devices]\npassthrough = 0000:01:00.0 AUTO\n", P ":2: passthrough: 'AUTO' is "
		  "neither 'auto' nor a PCI address (DDDD:BB:SS.F, see lspci -D)" LOWER "'auto'?)" },
		{ "[devices]\npassthrough = auto, auto\n", P ":2: passthrough: 'auto' given twice" },
		{ "[devices]\npassthrough = 0000:01:00.0 01:00.0\n",
		  P ":2: passthrough: 01:00.0 listed twice" },
		{ "[devices]\npassthrough = , ,\n", P ":2: passthrough: empty list" },
		{ "[devices]\npassthrough =\n", P ":2: passthrough has no value" },
		{ D "driver = vfio/pci\n", P ":3: driver: 'vfio/pci' is not a driver name (vfio-pci, "
		  "pci-stub...)" },
		{ D "driver = -vfio\n", P ":3: driver: '-vfio' is not a driver name (vfio-pci, "
		  "pci-stub...)" },
		{ D "driver = .vfio\n", P ":3: driver: '.vfio' is not a driver name (vfio-pci, "
		  "pci-stub...)" },
		{ D "driver = vfio pci\n", P ":3: driver: 'vfio pci' is not a driver name (vfio-pci, "
		  "pci-stub...)" },
		{ D "driver = ../../power\n", P ":3: driver: '../../power' is not a driver name "
		  "(vfio-pci, pci-stub...)" },
		{ D "driver = " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\n",
		  P ":3: driver: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is "
		  "not a driver name (vfio-pci, pci-stub...)" },
		{ D "reset = flr\n", P ":3: reset: 'flr' is not one of none, auto, suspend" },
		{ D "reset = Auto\n", P ":3: reset: 'Auto' is not one of none, auto, suspend" LOWER
		  "'auto'?)" },
		{ D "reset_at = RELEASE\n", P ":3: reset_at: 'RELEASE' is not one of release, prepare, "
		  "both" LOWER "'release'?)" },
		{ D "reset = Flr\n", P ":3: reset: 'Flr' is not one of none, auto, suspend" },
		{ D "reset_at = stop\n", P ":3: reset_at: 'stop' is not one of release, prepare, both" },
		{ D "suspend_seconds = 0\n", P ":3: suspend_seconds: '0' is not a number of seconds "
		  "from 1 to 60" },
		{ D "suspend_seconds = 61\n", P ":3: suspend_seconds: '61' is not a number of seconds "
		  "from 1 to 60" },
		{ D "suspend_seconds = -1\n", P ":3: suspend_seconds: '-1' is not a number of seconds "
		  "from 1 to 60" },
		{ D "suspend_seconds = +5\n", P ":3: suspend_seconds: '+5' is not a number of seconds "
		  "from 1 to 60" },
		{ D "suspend_seconds = 5s\n", P ":3: suspend_seconds: '5s' is not a number of seconds "
		  "from 1 to 60" },
		{ D "suspend_seconds = 0x10\n", P ":3: suspend_seconds: '0x10' is not a number of "
		  "seconds from 1 to 60" },
		{ D "suspend_seconds = 99999999999999999999999\n", P ":3: suspend_seconds: "
		  "'99999999999999999999999' is not a number of seconds from 1 to 60" },
		{ D "suspend_attempts = 11\n", P ":3: suspend_attempts: '11' is not a number from 1 "
		  "to 10" },
		{ D "suspend_attempts = 0\n", P ":3: suspend_attempts: '0' is not a number from 1 to "
		  "10" },
		{ D "take_group = maybe\n", P ":3: take_group: 'maybe' is not yes or no" },
		{ D "take_companions = 2\n", P ":3: take_companions: '2' is not yes or no" },
		{ D "wait_ms = 99\n", P ":3: wait_ms: '99' is not a number of milliseconds from 100 "
		  "to 600000" },
		{ D "wait_ms = 600001\n", P ":3: wait_ms: '600001' is not a number of milliseconds "
		  "from 100 to 600000" },
		{ D "[device 0000:01:00.0]\nreset = maybe\n", P ":4: reset: 'maybe' is not one of "
		  "none, auto, suspend" },
		{ D "[device 0000:01:00.0]\nsuspend_attempts = 20\n", P ":4: suspend_attempts: '20' "
		  "is not a number from 1 to 10" },
		{ D "[device 0000:01:00.0]\ndriver = a/b\n", P ":4: driver: 'a/b' is not a driver "
		  "name (vfio-pci, pci-stub...)" },
		{ "[single-gpu]\nenabled = sure\n", P ":2: enabled: 'sure' is not yes or no" },
		{ "[single-gpu]\nunbind_vtconsoles = 2\n", P ":2: unbind_vtconsoles: '2' is not yes "
		  "or no" },
		{ "[single-gpu]\nunbind_framebuffers = y\n", P ":2: unbind_framebuffers: 'y' is not "
		  "yes or no" },
		{ "[single-gpu]\nstop_units = gdm\n", P ":2: stop_units: 'gdm' needs its type suffix "
		  "(gdm.service)" },
		{ "[single-gpu]\nstop_units = a/b.service\n", P ":2: 'a/b.service' is not a valid "
		  "unit name" },
		{ "[single-gpu]\nstop_units = -x.service\n", P ":2: '-x.service' is not a valid unit "
		  "name" },
		{ "[single-gpu]\nstop_units = $(reboot).service\n", P ":2: '$(reboot).service' is not "
		  "a valid unit name" },
		{ "[single-gpu]\nstop_units = gdm.service sddm.service gdm.service\n",
		  P ":2: unit name gdm.service listed twice" },
		{ "[single-gpu]\nstop_units = ,\n", P ":2: stop_units: empty list" },
		{ "[holders]\nwhen_held = kill\n", P ":2: when_held: 'kill' is not one of refuse, "
		  "stop" },
		{ "[holders]\nwhen_held = stop\n", P ":2: when_held = stop, but [holders] names "
		  "nothing to stop: add stop_user_units (a sound server: pipewire.socket "
		  "pipewire.service wireplumber.service) or stop_units" },
		{ "[holders]\n\nstop_user_units = pipewire.service\n", P ": [holders] names units "
		  "to stop, but when_held = refuse never stops them: add when_held = stop to "
		  "[holders]" },
		{ "[holders]\nwhen_held = refuse\nstop_units = pulseaudio.service\n", P ":2: "
		  "[holders] names units to stop, but when_held = refuse never stops them: add "
		  "when_held = stop to [holders]" },
		{ "[holders]\nwhen_held = stop\nstop_user_units = pipewire\n", P ":3: "
		  "stop_user_units: 'pipewire' needs its type suffix (pipewire.service)" },
		{ "[holders]\nwhen_held = stop\nstop_user_units = ../x.service\n", P ":3: "
		  "'../x.service' is not a valid unit name" },
		{ "[holders]\nwhen_held = stop\nstop_user_units = a.socket a.socket\n", P ":3: "
		  "unit name a.socket listed twice" },
		{ "[holders]\nuser = a/b\n", P ":2: user: 'a/b' is not a user name or uid" },
		{ "[holders]\nwait_seconds = 0\n", P ":2: wait_seconds: '0' is not a number of "
		  "seconds from 1 to 60" },
		{ "[holders]\nwait_seconds = 61\n", P ":2: wait_seconds: '61' is not a number of "
		  "seconds from 1 to 60" },
		{ "[single-gpu]\nunload_modules = nvidia!\n", P ":2: 'nvidia!' is not a valid module "
		  "name" },
		{ "[single-gpu]\nunload_modules = ../amdgpu\n", P ":2: '../amdgpu' is not a valid "
		  "module name" },
		{ "[single-gpu]\nunload_modules = amdgpu.ko\n", P ":2: 'amdgpu.ko' is not a valid "
		  "module name" },
		{ "[single-gpu]\nunload_modules = "
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  P ":2: 'aaaaaaaaaaaaaaaaaaaa...' is too long for a module name (at most 55 "
		  "characters)" },
		{ "[single-gpu]\nunload_modules = amdgpu amdgpu\n",
		  P ":2: module name amdgpu listed twice" },
		{ "[memory]\nhugepages = always\n", P ":2: hugepages: 'always' is not one of auto, "
		  "off, keep" },
		{ "[memory]\npages = 0\n", P ":2: pages: '0' is not a number of pages from 1 to "
		  "1073741824" },
		{ "[memory]\npages = 4G\n", P ":2: pages: '4G' is not a number of pages from 1 to "
		  "1073741824" },
		{ "[memory]\nattempts = 11\n", P ":2: attempts: '11' is not a number from 1 to 10" },
		{ "[cpus]\nisolate = 2-\n", P ":2: isolate: '2-' is neither no, auto nor a CPU list "
		  "(like 2-3 or 2,6)" },
		{ "[cpus]\ngovernor = ../performance\n", P ":2: governor: '../performance' is not a "
		  "cpufreq governor name (performance, schedutil...)" },
		{ "[cpus]\ngovernor = on demand\n", P ":2: governor: 'on demand' is not a cpufreq "
		  "governor name (performance, schedutil...)" },
		{ "[cpus]\nrt_runtime = -1\n", P ":2: rt_runtime: '-1' is not one of keep, "
		  "unlimited" },
	};

	(void)state;
	check_bad(b, sizeof(b) / sizeof(b[0]));
}

static void test_bad_structure(void **state)
{
	static const struct bad b[] = {
		{ "passthrough = auto\n[devices]\n", P ":1: 'passthrough' is outside any section: put "
		  "it under [devices], [device ADDRESS] or [single-gpu]" },
		{ "[devices]\npassthrough = auto\n[devices]\n", P ":3: [devices] given twice" },
		{ "[devices]\npassthrough = auto\n[single-gpu]\n[devices]\ntake_group = no\n",
		  P ":4: [devices] given twice" },
		{ "[single-gpu]\n[single-gpu]\n", P ":2: [single-gpu] given twice" },
		{ D "take_group = no\ntake_group = yes\n", P ":4: 'take_group' given twice in this "
		  "section (first at line 3)" },
		{ D "\n[device 0000:01:00.0]\nreset = auto\n; x\nreset = none\n",
		  P ":7: 'reset' given twice in this section (first at line 5)" },
		{ D "[device 01:00]\n", P ":3: [device 01:00]: not a PCI address (DDDD:BB:SS.F)" },
		{ D "[device 0000:01:00.0 ]\n", P ":3: [device 0000:01:00.0 ]: not a PCI address "
		  "(DDDD:BB:SS.F)" },
		{ D "[device 0000:01:00.0]\n[device 01:00.0]\n", P ":4: [device 01:00.0] given twice "
		  "(first at line 3)" },
		{ "[devices]\npassthrough = auto\njunk\n", P ":3: expected 'key = value', '[section]' "
		  "or a comment" },
		{ "[devices\npassthrough = auto\n", P ":1: malformed section header" },
		{ "[devices]\npassthrough = 0000:01:00.0\n\n[device 0000:02:00.0]\nreset = auto\n",
		  P ":4: [device 0000:02:00.0] is not passed through: add it to passthrough in "
		  "[devices]" },
		{ "[device 0000:01:00.0]\nreset = auto\n", P ":1: [device 0000:01:00.0] is not passed "
		  "through: add it to passthrough in [devices]" },
	};

	(void)state;
	check_bad(b, sizeof(b) / sizeof(b[0]));
}

/* Every section and key is optional: a domain may want nothing but what
 * its XML asks for (and the next version's host resources) */
static void test_nothing_required(void **state)
{
	static const char *const files[] = {
		"", "\n\n", "# only comments\n; and more\n\n", "[devices]\n",
		"[devices]\ntake_group = no\n", "[single-gpu]\nunload_modules = amdgpu\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct hook_config c;

		t_config(&c, files[i]);
		assert_false(c.from_xml);
		assert_int_equal(c.n_listed, 0);
		assert_int_equal(c.n_dev, 0);
		assert_int_equal(c.single_gpu, i == 5);
		assert_string_equal(c.defaults.driver, "vfio-pci");
		eng_config_free(&c);
	}
}

/* The same key in two sections, or in two [device] sections, is fine */
static void test_same_key_in_other_sections(void **state)
{
	struct hook_config c;

	(void)state;
	t_config(&c, D "driver = pci-stub\n[device 0000:01:00.0]\ndriver = vfio-pci\n"
		 "[device 0000:01:00.1]\ndriver = vfio-pci\n");
	assert_int_equal(c.n_dev, 2);
	assert_string_equal(c.defaults.driver, "pci-stub");
	eng_config_free(&c);
}

/* The first error in the file is the one reported, whatever kind it is */
static void test_first_error_wins(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(t_config_err("[devices]\njunk\npassthrough = auto\nbogus = 1\n", err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":2: expected 'key = value', '[section]' or a comment");
	assert_int_equal(t_config_err("[devices]\npassthrough = auto\nreset = x\n[foo]\n", err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: reset: 'x' is not one of none, auto, suspend");
}

/* inih reads lines of at most 198 characters and a newline; a longer
 * one is refused, not cut (a cut line could change a value). */
static void test_long_lines(void **state)
{
	char text[600], err[1024];
	struct hook_config c;

	(void)state;
	snprintf(text, sizeof(text), D "#%s\n", "");
	memset(text + strlen(D) + 1, 'x', 197);
	strcpy(text + strlen(D) + 198, "\ntake_group = no\n");
	t_config(&c, text);
	assert_false(c.take_group);
	eng_config_free(&c);
	memset(text + strlen(D) + 1, 'x', 198);
	strcpy(text + strlen(D) + 199, "\ntake_group = no\n");
	assert_int_equal(t_config_err(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: line longer than 198 characters");
	/* the same in a value, and the line after it still counts */
	snprintf(text, sizeof(text), "[devices]\n\npassthrough = auto %0300d\n", 0);
	assert_int_equal(t_config_err(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: line longer than 198 characters");
}

/* eng_config_parse on bytes that may hold NULs: r, and its line in err */
static int parse_bytes(const char *buf, size_t len, char *err, size_t errlen)
{
	struct hook_config c;
	struct eng_err e;
	FILE *f = fmemopen((void *)buf, len, "r");
	int r;

	assert_non_null(f);
	r = eng_config_parse(f, P, &c, &e);
	fclose(f);
	if (r == 0)
		eng_config_free(&c);
	snprintf(err, errlen, "%s", r ? e.msg : "");
	return r;
}

/* text as UTF-16 (le or be), with or without a byte-order mark */
static size_t utf16(const char *text, bool le, bool bom, char *out)
{
	size_t n = 0;

	if (bom) {
		out[n++] = le ? '\xff' : '\xfe';
		out[n++] = le ? '\xfe' : '\xff';
	}
	for (; *text; text++) {
		out[n++] = le ? *text : '\0';
		out[n++] = le ? '\0' : *text;
	}
	return n;
}

/* What editors and other tools save: the file says what it really is */
static void test_not_text(void **state)
{
	static const char nul[] = D "take\0_group = no\n";
	static const char nul_first[] = "\0\0\0\0[devices]\n";
	char buf[512], err[1024];

	(void)state;
	assert_int_equal(parse_bytes(nul, sizeof(nul) - 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":3: contains a NUL byte (is this a text file?)");
	assert_int_equal(parse_bytes(nul_first, sizeof(nul_first) - 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ":1: contains a NUL byte (is this a text file?)");
	for (int i = 0; i < 8; i++) {
		/* starting with a blank line, or not */
		size_t n = utf16(i & 4 ? "\n# x\n[devices]\n" : "[devices]\r\npassthrough = auto\r\n",
				 i & 1, i & 2, buf);

		if (parse_bytes(buf, n, err, sizeof(err)) != -EINVAL ||
		    strcmp(err, P ": is UTF-16 text; save it as UTF-8") != 0)
			fail_msg("UTF-16 %s %s BOM: %s", i & 1 ? "LE" : "BE", i & 2 ? "with" : "without",
				 err);
	}
}

static void test_line_endings(void **state)
{
	struct hook_config c;
	char text[600], err[1024];

	(void)state;
	/* CRLF, as Windows editors write: as LF, the line limit included */
	t_config(&c, "\xef\xbb\xbf[devices]\r\npassthrough = auto # all\r\ntake_group = no\r\n"
		 "\r\n[single-gpu]\r\nstop_units = gdm.service\r\n");
	assert_true(c.from_xml);
	assert_false(c.take_group);
	assert_string_equal(c.stop_units[0], "gdm.service");
	eng_config_free(&c);
	snprintf(text, sizeof(text), D "#%0197d\r\ntake_group = no\r\n", 0);
	t_config(&c, text);
	assert_false(c.take_group);
	eng_config_free(&c);
	/* CR alone (an old Mac's): not one long line swallowing the keys */
	assert_int_equal(t_config_err("[devices]\rpassthrough = auto\rtake_group = no\r", err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, P ": uses CR line endings; save it with LF (or CRLF) line endings");
	assert_int_equal(t_config_err("[devices]\rpassthrough = auto\r", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ": uses CR line endings; save it with LF (or CRLF) line endings");
	snprintf(text, sizeof(text), "# %0300d\r[devices]\rpassthrough = auto\r", 0);
	assert_int_equal(t_config_err(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, P ": uses CR line endings; save it with LF (or CRLF) line endings");
}

/* inih also takes "key: value"; we do not, and say what to write */
static void test_colon_is_no_separator(void **state)
{
	static const struct bad b[] = {
		{ "[devices]\npassthrough: auto\n", P ":2: use 'passthrough = auto', not "
		  "'passthrough: auto': the separator is '='" },
		{ "[devices]\n  passthrough:0000:01:00.0 # GPU\n", P ":2: use 'passthrough = "
		  "0000:01:00.0', not 'passthrough:0000:01:00.0': the separator is '='" },
		{ "[single-gpu]\nEnabled: yes\n", P ":2: use 'Enabled = yes', not 'Enabled: yes': the "
		  "separator is '='" },
	};
	struct hook_config c;

	(void)state;
	check_bad(b, sizeof(b) / sizeof(b[0]));
	/* a ':' after the '=' is the value's */
	t_config(&c, "[devices]\npassthrough = 0000:01:00.0\n");
	assert_int_equal(c.n_listed, 1);
	eng_config_free(&c);
}

static void test_device_merging(void **state)
{
	struct hook_config c;
	struct dev_conf d;
	struct vfh_pci_addr gpu = t_addr("0000:01:00.0"), hda = t_addr("0000:01:00.1");
	struct vfh_pci_addr nic = t_addr("0000:02:00.0");

	(void)state;
	t_config(&c, "[devices]\npassthrough = auto\ndriver = pci-stub\nreset = auto\n"
		 "reset_at = prepare\nsuspend_seconds = 5\n"
		 "[device 01:00.0]\ndriver = vfio-pci\nreset = suspend\nsuspend_attempts = 7\n"
		 "[device 0000:01:00.1]\nreset = none\nreset_at = both\n");
	eng_config_device(&c, &gpu, &d);
	assert_true(vfh_pci_addr_eq(&d.addr, &gpu));
	assert_string_equal(d.driver, "vfio-pci");
	assert_int_equal(d.reset, RESET_SUSPEND);
	assert_int_equal(d.reset_at, RESET_AT_PREPARE);
	assert_int_equal(d.suspend_seconds, 5);
	assert_int_equal(d.suspend_attempts, 7);
	assert_int_equal(d.line, 7);
	eng_config_device(&c, &hda, &d);
	assert_true(vfh_pci_addr_eq(&d.addr, &hda));
	assert_string_equal(d.driver, "pci-stub");
	assert_int_equal(d.reset, RESET_NONE);
	assert_int_equal(d.reset_at, RESET_AT_PREPARE | RESET_AT_RELEASE);
	assert_int_equal(d.suspend_seconds, 5);
	assert_int_equal(d.suspend_attempts, 3);
	assert_int_equal(d.line, 11);
	/* a device with no section of its own: the defaults */
	eng_config_device(&c, &nic, &d);
	assert_true(vfh_pci_addr_eq(&d.addr, &nic));
	assert_string_equal(d.driver, "pci-stub");
	assert_int_equal(d.reset, RESET_AUTO);
	assert_int_equal(d.reset_at, RESET_AT_PREPARE);
	assert_int_equal(d.suspend_seconds, 5);
	assert_int_equal(d.suspend_attempts, 3);
	assert_int_equal(d.line, 0);
	eng_config_free(&c);
}

/* ---- eng_config_load: the file below the fixture's etc */

/* eng_config_load with its error object's line in err: e.err is the
 * result, and e is left clear when there is no file */
static int load(struct vfh_ctx *ctx, const char *domain, struct hook_config *cfg, char *err,
		size_t errlen)
{
	struct eng_err e = { -1, "not set" };
	int r = eng_config_load(ctx, domain, cfg, &e);

	assert_int_equal(e.err, r == -ENOENT ? 0 : r);
	snprintf(err, errlen, "%s", e.msg);
	return r;
}

#define DIR_REL "etc/" VFH_CONF_DIR
#define INI_REL DIR_REL "/vm.ini"

static int setup_ini(void **state)
{
	struct t *t;

	t_setup(state, "guest", NULL);
	t = *state;
	t_ini(t->fx, "vm", D "take_group = no\n");
	assert_int_equal(chmod(t_abs(t->fx, DIR_REL), 0755), 0);
	return 0;
}

static void test_load(void **state)
{
	struct t *t = *state;
	struct hook_config c;
	char err[1024] = "";

	assert_int_equal(load(t->ctx, "vm", &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.path, t_abs(t->fx, INI_REL));
	assert_true(c.from_xml);
	assert_false(c.take_group);
	eng_config_free(&c);
	/* read-only for root is as good */
	assert_int_equal(chmod(t_abs(t->fx, INI_REL), 0400), 0);
	assert_int_equal(load(t->ctx, "vm", &c, err, sizeof(err)), 0);
	eng_config_free(&c);
}

static void test_load_missing(void **state)
{
	struct t *t = *state;
	struct hook_config c;
	char err[1024] = "";

	assert_int_equal(load(t->ctx, "other", &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "");
	fx_delete(t->fx, DIR_REL);
	assert_int_equal(load(t->ctx, "vm", &c, err, sizeof(err)), -ENOENT);
	assert_int_equal(load(t->ctx, "../vm", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "domain name not usable in a file name");
}

static void test_load_parse_error_names_the_file(void **state)
{
	struct t *t = *state;
	struct hook_config c;
	char err[1024], want[1024];

	t_ini(t->fx, "vm", D "take_group = perhaps\n");
	assert_int_equal(load(t->ctx, "vm", &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: take_group: 'perhaps' is not yes or no",
		 t_abs(t->fx, INI_REL));
	assert_string_equal(err, want);
}

static const char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *msg(const char *fmt, ...)
{
	static char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

static void expect_refusal(struct t *t, int want_r, const char *want)
{
	struct hook_config c;
	char err[1024];
	int r = load(t->ctx, "vm", &c, err, sizeof(err));

	if (r == 0)
		eng_config_free(&c);
	assert_int_equal(r, want_r);
	assert_string_equal(err, want);
}

static void test_load_not_root_owned(void **state)
{
	struct t *t = *state;
	const char *ini = t_abs(t->fx, INI_REL);

	assert_int_equal(chown(ini, 1000, 0), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: owned by uid 1000, not root (chown root:root "
				      "%s)", ini, ini));
	/* root's group is not enough: the owner */
	assert_int_equal(chown(ini, 0, 1000), 0);
	assert_int_equal(chmod(ini, 0644), 0);
	{
		struct hook_config c;
		char err[1024];

		assert_int_equal(load(t->ctx, "vm", &c, err, sizeof(err)), 0);
		eng_config_free(&c);
	}
}

static void test_load_writable_by_others(void **state)
{
	struct t *t = *state;
	const char *ini = t_abs(t->fx, INI_REL);

	assert_int_equal(chmod(ini, 0664), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: group- or world-writable (mode 0664; chmod go-w "
		       "%s)", ini, ini));
	assert_int_equal(chmod(ini, 0646), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: group- or world-writable (mode 0646; chmod go-w "
		       "%s)", ini, ini));
	assert_int_equal(chmod(ini, 0622), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: group- or world-writable (mode 0622; chmod go-w "
		       "%s)", ini, ini));
}

static void test_load_directory_checked(void **state)
{
	struct t *t = *state;
	const char *dir = t_abs(t->fx, DIR_REL);

	assert_int_equal(chmod(dir, 0775), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: group- or world-writable (mode 0775; chmod go-w "
		       "%s)", dir, dir));
	assert_int_equal(chmod(dir, 01777), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: group- or world-writable (mode 1777; chmod go-w "
		       "%s)", dir, dir));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(dir, 1000, 1000), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: owned by uid 1000, not root (chown root:root "
				      "%s)", dir, dir));
}

static void test_load_symlink(void **state)
{
	struct t *t = *state;
	const char *ini = t_abs(t->fx, INI_REL);

	fx_write(t->fx, DIR_REL "/real.ini", D);
	assert_int_equal(unlink(ini), 0);
	assert_int_equal(symlink("real.ini", ini), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: a symlink (put the file itself there)", ini));
}

static void test_load_not_a_file(void **state)
{
	struct t *t = *state;
	const char *ini = t_abs(t->fx, INI_REL);

	assert_int_equal(unlink(ini), 0);
	assert_int_equal(mkdir(ini, 0755), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: not a regular file", ini));
	assert_int_equal(rmdir(ini), 0);
	/* a FIFO: refused without waiting for a writer */
	assert_int_equal(mkfifo(ini, 0644), 0);
	expect_refusal(t, -EPERM, msg("%s: refused: not a regular file", ini));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_holders_keys),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_ranges_at_their_bounds),
		cmocka_unit_test(test_single_gpu_alone),
		cmocka_unit_test(test_device_short_and_padded_headers),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_indented_lines_are_not_continuations),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_unknown_sections_and_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_nothing_required),
		cmocka_unit_test(test_same_key_in_other_sections),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_not_text),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_colon_is_no_separator),
		cmocka_unit_test(test_device_merging),
		T_ON(test_load, setup_ini),
		T_ON(test_load_missing, setup_ini),
		T_ON(test_load_parse_error_names_the_file, setup_ini),
		T_ON(test_load_not_root_owned, setup_ini),
		T_ON(test_load_writable_by_others, setup_ini),
		T_ON(test_load_directory_checked, setup_ini),
		T_ON(test_load_symlink, setup_ini),
		T_ON(test_load_not_a_file, setup_ini),
	};

	t_init();
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
