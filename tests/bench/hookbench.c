// SPDX-License-Identifier: LGPL-2.1-or-later
/* How long libvirt waits for the hook on a domain vfiohook does not manage
 * (every domain on most hosts), against baselines measured in the same run,
 * interleaved round by round so machine noise hits all alike:
 *
 *   exec-floor   a program doing nothing (fork + exec + exit)
 *   vfiohook     the hook's front: name check, one lstat, drain stdin
 *   one-binary   the same front linked with every library the engine needs
 *                (libxml2, libkmod, libsystemd, libudev, libpci, inih): what
 *                a hook built as one binary would cost
 *   bash         a shell dispatcher of the kind the guides install
 *
 * Each run feeds a 4 KiB domain XML on stdin, as libvirt does.
 * usage: hookbench ROUNDS FLOOR HOOK ONEBINARY DISPATCHER */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

struct variant {
	const char *name;
	const char *path;
	double *us;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double run_once(const char *path, const char *xml, size_t len)
{
	char *argv[] = { (char *)path, "bench-unmanaged", "prepare", "begin", "-", NULL };
	posix_spawn_file_actions_t fa;
	int in[2], null, status;
	double t0, t1;
	pid_t pid;

	if (pipe(in) < 0 || (null = open("/dev/null", O_WRONLY)) < 0) {
		perror("hookbench");
		exit(1);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, null, 1);
	posix_spawn_file_actions_adddup2(&fa, null, 2);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	t0 = now_us();
	if (posix_spawn(&pid, path, &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "hookbench: cannot run %s\n", path);
		exit(1);
	}
	close(in[0]);
	/* libvirt writes the whole XML, then waits for the hook to end */
	if (write(in[1], xml, len) != (ssize_t)len && errno != EPIPE) {
		perror("hookbench: write");
		exit(1);
	}
	close(in[1]);
	waitpid(pid, &status, 0);
	t1 = now_us();
	close(null);
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "hookbench: %s failed (status %d)\n", path, status);
		exit(1);
	}
	return t1 - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	return v[(int)(p * (n - 1))];
}

int main(int argc, char **argv)
{
	struct variant v[4] = {
		{ "exec-floor", NULL, NULL }, { "vfiohook", NULL, NULL },
		{ "one-binary", NULL, NULL }, { "bash", NULL, NULL },
	};
	char xml[4096];
	int rounds;

	if (argc != 6) {
		fprintf(stderr, "usage: hookbench ROUNDS FLOOR HOOK ONEBINARY DISPATCHER\n");
		return 2;
	}
	/* the floor does not read its stdin */
	signal(SIGPIPE, SIG_IGN);
	rounds = atoi(argv[1]);
	if (rounds < 10)
		rounds = 10;
	memset(xml, ' ', sizeof(xml));
	memcpy(xml, "<domain type='kvm'><name>bench-unmanaged</name>", 47);
	memcpy(xml + sizeof(xml) - 10, "</domain>\n", 10);
	for (int i = 0; i < 4; i++) {
		v[i].path = argv[i + 2];
		v[i].us = calloc((size_t)rounds, sizeof(double));
		run_once(v[i].path, xml, sizeof(xml));	/* warm the page cache */
	}
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < 4; i++)
			v[i].us[r] = run_once(v[i].path, xml, sizeof(xml));
	printf("hook on a domain it does not manage, %d interleaved rounds, 4 KiB XML on stdin\n",
	       rounds);
	printf("%-12s %10s %10s %10s   %s\n", "variant", "median us", "p90 us", "min us",
	       "median vs vfiohook");
	for (int i = 0; i < 4; i++)
		qsort(v[i].us, (size_t)rounds, sizeof(double), cmp);
	for (int i = 0; i < 4; i++) {
		double med = pct(v[i].us, rounds, 0.5);

		printf("%-12s %10.0f %10.0f %10.0f   %.2fx\n", v[i].name, med,
		       pct(v[i].us, rounds, 0.9), v[i].us[0], med / pct(v[1].us, rounds, 0.5));
	}
	printf("vfiohook's own share (median above the exec floor): %.0f us\n",
	       pct(v[1].us, rounds, 0.5) - pct(v[0].us, rounds, 0.5));
	return 0;
}
