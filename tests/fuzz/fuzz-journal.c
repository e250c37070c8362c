// SPDX-License-Identifier: LGPL-2.1-or-later
/* The journal reader (hooks/journal.c, and each step kind's decode): the
 * input is the file RUN/vfiohook/fuzz/journal, read as release and
 * `vfiohook status` read it, from a run root made once in $TMPDIR.  A
 * journal it takes is written back as the writer would (each step's own
 * encode) and read again: the same steps, the same fields. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>
#include <sys/stat.h>
#include <vfiohook.h>

#include "engine.h"
#include "fuzz.h"

static struct vfh_ctx *ctx;
static char root[256], file[600];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (*root)
		nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	vfh_ctx_unref(ctx);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512];

	snprintf(root, sizeof(root), "%s/vfh-fuzz-journal.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_ASSERT(mkdtemp(root), "mkdtemp %s: %s", root, strerror(errno));
	snprintf(dir, sizeof(dir), "%s/" VFH_RUN_DIR, root);
	FUZZ_ASSERT(mkdir(dir, 0700) == 0, "%s", dir);
	snprintf(dir, sizeof(dir), "%s/" VFH_RUN_DIR "/fuzz", root);
	FUZZ_ASSERT(mkdir(dir, 0700) == 0, "%s", dir);
	snprintf(file, sizeof(file), "%s/journal", dir);
	ctx = vfh_ctx_new();
	FUZZ_ASSERT(ctx && vfh_ctx_set_root(ctx, VFH_ROOT_RUN, root) == 0, "context");
	atexit(cleanup);
}

/* Rewritten in place, never truncated to nothing first: ext4 flushes a
 * file truncated to 0 and written again when it is closed (auto_da_alloc),
 * which would make each run wait for the disk. */
static void put(const void *data, size_t size)
{
	static int fd = -1;

	if (fd < 0)
		fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	FUZZ_ASSERT(fd >= 0, "%s: %s", file, strerror(errno));
	FUZZ_ASSERT(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size, "%s", file);
	FUZZ_ASSERT(ftruncate(fd, (off_t)size) == 0, "%s", file);
}

/* j as its writer would have written it */
static char *rewrite(const struct journal *j, size_t *len)
{
	size_t cap = 64 + j->n * 1300, n = 0;
	char *buf = malloc(cap);

	FUZZ_ASSERT(buf, "malloc");
	n += (size_t)snprintf(buf, cap, "vfiohook-journal %d\n", JOURNAL_VERSION);
	for (size_t i = 0; i < j->n; i++) {
		char fields[1024];
		int r = eng_step_encode(&j->e[i].step, fields, sizeof(fields));

		FUZZ_ASSERT(r == 0, "step %zu (%s %s) read but cannot be written: %d", i,
			    j->e[i].step.ops->name, j->e[i].step.what, r);
		n += (size_t)snprintf(buf + n, cap - n, "begin %zu %s%s\n", i, j->e[i].step.ops->name,
				      fields);
	}
	for (size_t i = 0; i < j->n; i++) {
		if (j->e[i].done)
			n += (size_t)snprintf(buf + n, cap - n, "done %zu\n", i);
		if (j->e[i].undone)
			n += (size_t)snprintf(buf + n, cap - n, "undone %zu\n", i);
	}
	if (j->prepared)
		n += (size_t)snprintf(buf + n, cap - n, "prepared\n");
	FUZZ_ASSERT(n < cap, "rewrite buffer");
	*len = n;
	return buf;
}

static void look(const struct journal *j)
{
	struct claim claims[STEP_CLAIMS_MAX];
	char line[512];

	FUZZ_ASSERT(eng_journal_pending(j) <= j->n, "pending");
	for (size_t i = 0; i < j->n; i++) {
		const struct step *s = &j->e[i].step;

		FUZZ_ASSERT(s->ops && memchr(s->what, '\0', sizeof(s->what)), "step %zu", i);
		eng_step_describe(s, line, sizeof(line));
		FUZZ_ASSERT(strlen(line) < sizeof(line), "describe");
		FUZZ_ASSERT(eng_step_claims(s, claims) <= STEP_CLAIMS_MAX, "claims");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal j, again;
	char *text;
	size_t len;
	int r;

	if (!ctx)
		setup();
	put(data, size);
	r = eng_journal_open(ctx, "fuzz", false, &j);
	if (r < 0) {
		FUZZ_ASSERT(r == -EBADMSG ? j.why[0] != '\0' : 1, "refused without saying why");
		FUZZ_ASSERT(r == -EBADMSG || r == -ENOMEM, "%d (%s)", r, strerror(-r));
		return 0;
	}
	look(&j);
	text = rewrite(&j, &len);
	put(text, len);
	r = eng_journal_open(ctx, "fuzz", false, &again);
	FUZZ_ASSERT(r == 0, "the rewritten journal is refused (%s):\n%s", again.why, text);
	FUZZ_ASSERT(again.n == j.n && again.prepared == j.prepared, "%zu steps, then %zu", j.n,
		    again.n);
	for (size_t i = 0; i < j.n; i++) {
		char a[1024], b[1024];

		FUZZ_ASSERT(eng_step_encode(&j.e[i].step, a, sizeof(a)) == 0 &&
			    eng_step_encode(&again.e[i].step, b, sizeof(b)) == 0 && strcmp(a, b) == 0 &&
			    j.e[i].step.ops == again.e[i].step.ops &&
			    j.e[i].begun == again.e[i].begun && j.e[i].done == again.e[i].done &&
			    j.e[i].undone == again.e[i].undone, "step %zu changed on rewrite", i);
	}
	free(text);
	eng_journal_close(&again);
	eng_journal_close(&j);
	return 0;
}
