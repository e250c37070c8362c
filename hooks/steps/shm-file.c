// SPDX-License-Identifier: LGPL-2.1-or-later
/* shm-file: the Looking Glass file /dev/shm/NAME made before QEMU starts,
 * with the size the domain's <shmem> gives it and the owner, group and
 * mode the desktop user's client needs; removed after (or kept), and a
 * file that was there before given its owner and mode back. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

struct shm_file {
	uint64_t size;
	uint32_t uid, gid, mode;
	bool keep;			/* left in place after the VM stops */
	struct vfh_shm_prior prior;
};
STEP_DATA_FITS(struct shm_file);

/* a claim's key holds the file as users know it (ENG_DEV_SHOWN "shm/NAME") */
#define NAME_MAX_LEN 100

static bool name_ok(const char *what)
{
	return *what && !strchr(what, '/') && what[0] != '.' && strlen(what) <= NAME_MAX_LEN;
}

int eng_step_init_shm_file(struct step *s, const char *name, uint64_t size, uint32_t uid,
			   uint32_t gid, uint32_t mode, bool keep)
{
	struct shm_file *d;
	int r = eng_step_init(s, &eng_step_shm_file, name);

	if (r < 0)
		return r;
	d = STEP_DATA(s, struct shm_file);
	d->size = size;
	d->uid = uid;
	d->gid = gid;
	d->mode = mode;
	d->keep = keep;
	return 0;
}

static int capture(struct vfh_ctx *ctx, struct step *s)
{
	return vfh_shm_file_state(ctx, s->what, &STEP_DATA(s, struct shm_file)->prior);
}

static int apply(struct vfh_ctx *ctx, struct step *s)
{
	const struct shm_file *d = STEP_CDATA(s, struct shm_file);

	return vfh_shm_file_ensure(ctx, s->what, d->size, d->uid, d->gid, d->mode, 0, NULL);
}

static int undo(struct vfh_ctx *ctx, const struct step *s)
{
	const struct shm_file *d = STEP_CDATA(s, struct shm_file);
	struct vfh_shm_prior p = d->prior;

	if (d->keep)
		return 0;
	/* what was not there before goes; what was there keeps its size
	 * (the client may still have it mapped) and gets its owner back */
	p.created = !p.existed;
	return vfh_shm_file_remove(ctx, s->what, &p, 0);
}

static void describe(const struct step *s, char *buf, size_t len)
{
	const struct shm_file *d = STEP_CDATA(s, struct shm_file);

	snprintf(buf, len, "make /dev/shm/%s of %" PRIu64 " MiB, owner %u:%u, mode %04o%s", s->what,
		 d->size >> 20, d->uid, d->gid, d->mode, d->keep ? ", kept after" : "");
}

static void encode(const struct step *s, struct kv_out *o)
{
	const struct shm_file *d = STEP_CDATA(s, struct shm_file);

	kv_put_uint(o, "size", d->size);
	kv_put_uint(o, "uid", d->uid);
	kv_put_uint(o, "gid", d->gid);
	kv_put_uint(o, "mode", d->mode);
	kv_put_uint(o, "keep", d->keep);
	kv_put_uint(o, "prior_existed", d->prior.existed);
	kv_put_uint(o, "prior_size", d->prior.size);
	kv_put_uint(o, "prior_uid", d->prior.uid);
	kv_put_uint(o, "prior_gid", d->prior.gid);
	kv_put_uint(o, "prior_mode", d->prior.mode);
}

static int decode(struct step *s, const char *key, const char *val)
{
	struct shm_file *d = STEP_DATA(s, struct shm_file);
	static const struct { const char *key; size_t off; int width; unsigned long max; } f[] = {
		{ "size", offsetof(struct shm_file, size), 64, 1UL << 50 },
		{ "uid", offsetof(struct shm_file, uid), 32, 0xffffffffUL },
		{ "gid", offsetof(struct shm_file, gid), 32, 0xffffffffUL },
		{ "mode", offsetof(struct shm_file, mode), 32, 07777 },
		{ "prior_size", offsetof(struct shm_file, prior.size), 64, 1UL << 50 },
		{ "prior_uid", offsetof(struct shm_file, prior.uid), 32, 0xffffffffUL },
		{ "prior_gid", offsetof(struct shm_file, prior.gid), 32, 0xffffffffUL },
		{ "prior_mode", offsetof(struct shm_file, prior.mode), 32, 07777 },
	};
	unsigned long v;
	int r;

	if (strcmp(key, "keep") == 0)
		return kv_bool(val, &d->keep);
	if (strcmp(key, "prior_existed") == 0)
		return kv_bool(val, &d->prior.existed);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(key, f[i].key) != 0)
			continue;
		if ((r = kv_uint(val, f[i].max, &v)) < 0)
			return r;
		if (f[i].width == 64)
			*(uint64_t *)(void *)((char *)d + f[i].off) = v;
		else
			*(uint32_t *)(void *)((char *)d + f[i].off) = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

static size_t claims(const struct step *s, struct claim *out)
{
	snprintf(out->type, sizeof(out->type), "file");
	snprintf(out->key, sizeof(out->key), ENG_DEV_SHOWN "shm/%.*s", NAME_MAX_LEN, s->what);
	out->exclusive = true;
	return 1;
}

const struct step_ops eng_step_shm_file = {
	.name = "shm-file",
	.apply_at = ENG_PREPARE,
	.undo_at = ENG_RELEASE,
	.what_ok = name_ok,
	.capture = capture,
	.apply = apply,
	.undo = undo,
	.describe = describe,
	.encode = encode,
	.decode = decode,
	.claims = claims,
};
