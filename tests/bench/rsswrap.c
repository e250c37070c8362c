// SPDX-License-Identifier: LGPL-2.1-or-later
/* Installed in the bench guest as the libvirt hook: runs the real hook
 * (REAL_HOOK) with the same argv and stdin, and appends
 * "DOMAIN PHASE MAXRSS_KB STATUS" to RSS_LOG from wait4()'s rusage: the
 * hook's peak resident set, for each phase libvirt runs it for. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef REAL_HOOK
#error "build with -DREAL_HOOK='\"/path/to/vfiohook-qemu\"'"
#endif
#define RSS_LOG "/tmp/hook-rss.log"

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	FILE *f;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		execv(REAL_HOOK, argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return 1;
	f = fopen(RSS_LOG, "a");
	if (f) {
		fprintf(f, "%s %s %ld %d\n", argc > 1 ? argv[1] : "-", argc > 2 ? argv[2] : "-",
			ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
