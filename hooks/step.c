// SPDX-License-Identifier: LGPL-2.1-or-later
/* The table of step kinds and what every kind shares: its `what`, the
 * journal's key=value fields, and the dispatch to the kind's own file
 * under hooks/steps/.  Adding a kind: one file there, one line below. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* In the order prepare applies them: the host's memory and files first
 * (what fails most often, before anything else moved), then free the
 * devices from the host's hold, move them, unload what held them, reset,
 * and last keep host work off the VM's CPUs. */
const struct step_ops *const eng_step_kinds[] = {
	&eng_step_hugepages,
	&eng_step_shm_file,
	&eng_step_unit_stop,
	&eng_step_user_unit_stop,
	&eng_step_vtcon_unbind,
	&eng_step_fb_unbind,
	&eng_step_pci_bind,
	&eng_step_module_unload,
	&eng_step_reset,
	&eng_step_cpu_isolate,
	&eng_step_cpumask,
	&eng_step_governor,
	&eng_step_rt_runtime,
	NULL
};

static const char *const phase_names[ENG_PHASE__COUNT] = {
	[ENG_PREPARE] = "prepare",
	[ENG_STOPPED] = "stopped",
	[ENG_RELEASE] = "release",
	[ENG_RECONNECT] = "reconnect",
};

const char *eng_phase_name(enum eng_phase p)
{
	return (unsigned)p < ENG_PHASE__COUNT ? phase_names[p] : "?";
}

const struct step_ops *eng_step_kind_find(const char *name)
{
	for (size_t i = 0; eng_step_kinds[i]; i++)
		if (strcmp(eng_step_kinds[i]->name, name) == 0)
			return eng_step_kinds[i];
	return NULL;
}

int eng_step_init(struct step *s, const struct step_ops *ops, const char *what)
{
	memset(s, 0, sizeof(*s));
	if (strlen(what) >= sizeof(s->what))
		return -ENAMETOOLONG;
	if (ops->what_ok && !ops->what_ok(what))
		return -EINVAL;
	s->ops = ops;
	strcpy(s->what, what);
	return 0;
}

int eng_step_set_field(struct step *s, const char *key, const char *val)
{
	return s->ops->decode ? s->ops->decode(s, key, val) : -ENOENT;
}

void eng_step_describe(const struct step *s, char *buf, size_t len)
{
	if (!s->ops) {
		snprintf(buf, len, "unknown step");
		return;
	}
	s->ops->describe(s, buf, len);
}

int eng_step_peer(struct vfh_ctx *ctx, const struct step *s, struct step *peer)
{
	char **doms;
	size_t n;
	int r = eng_journal_list(ctx, &doms, &n), found = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !found; i++) {
		struct journal j;

		if (strcmp(doms[i], s->domain) == 0 || eng_journal_open(ctx, doms[i], false, &j) < 0)
			continue;	/* an unreadable one: the plan refused to start */
		for (size_t k = 0; k < j.n && !found; k++) {
			const struct step *o = &j.e[k].step;

			if (j.e[k].begun && !j.e[k].undone && o->captured && o->ops == s->ops &&
			    strcmp(o->what, s->what) == 0) {
				*peer = *o;
				found = 1;
			}
		}
		eng_journal_close(&j);
	}
	free(doms);
	return found;
}

int eng_step_capture(struct vfh_ctx *ctx, struct step *s)
{
	struct step peer;
	int r = 0;

	if (s->ops->shared && (r = eng_step_peer(ctx, s, &peer)) == 1) {
		/* the first domain's prior is the original for everyone */
		s->ops->adopt(s, &peer);
		s->captured = true;
		return 0;
	}
	if (r == 0 && s->ops->capture)
		r = s->ops->capture(ctx, s);
	if (r == 0)
		s->captured = true;
	return r;
}

int eng_step_apply(struct vfh_ctx *ctx, struct step *s)
{
	return s->ops->apply(ctx, s);
}

int eng_step_undo(struct vfh_ctx *ctx, const struct step *s)
{
	struct step peer;
	int r;

	if (!s->captured)
		return 0;	/* never got as far as reading the state: nothing done */
	if (s->ops->shared) {
		r = eng_step_peer(ctx, s, &peer);
		if (r < 0)
			return r;
		if (r == 1)	/* not the last one out */
			return s->ops->refresh ? s->ops->refresh(ctx, s) : 0;
	}
	return s->ops->undo(ctx, s);
}

size_t eng_step_claims(const struct step *s, struct claim *out)
{
	size_t n;

	if (!s->ops || !s->ops->claims)
		return 0;
	n = s->ops->claims(s, out);
	return n > STEP_CLAIMS_MAX ? STEP_CLAIMS_MAX : n;
}

bool eng_toggle_was_on(const struct step *s)
{
	return STEP_CDATA(s, struct step_toggle)->was_on;
}

void eng_toggle_set(struct step *s, bool was_on)
{
	STEP_DATA(s, struct step_toggle)->was_on = was_on;
}

void eng_toggle_encode(const struct step *s, struct kv_out *o)
{
	kv_put_uint(o, "was_on", eng_toggle_was_on(s));
}

int eng_toggle_decode(struct step *s, const char *key, const char *val)
{
	return strcmp(key, "was_on") == 0 ? kv_bool(val, &STEP_DATA(s, struct step_toggle)->was_on)
					  : -ENOENT;
}

size_t eng_claim_what(const struct step *s, const char *type, bool held, struct claim *out)
{
	if (!held)
		return 0;
	snprintf(out->type, sizeof(out->type), "%s", type);
	snprintf(out->key, sizeof(out->key), "%s", s->what);
	out->exclusive = true;
	return 1;
}

size_t eng_toggle_claims_shared(const struct step *s, const char *type, struct claim *out)
{
	size_t n = eng_claim_what(s, type, eng_toggle_was_on(s), out);

	out->exclusive = false;
	out->amount = n;
	return n;
}

void eng_toggle_adopt(struct step *s, const struct step *peer)
{
	eng_toggle_set(s, eng_toggle_was_on(peer));
}

/* ---- key=value fields.  Values are %-escaped outside [A-Za-z0-9._:@+-],
 * so a record is one line of printable ASCII whatever a name holds. */

static void escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (isalnum(c) || strchr("._:@+-", c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02x", c);
	}
	out[o] = '\0';
}

void kv_put(struct kv_out *o, const char *key, const char *val)
{
	char esc[STEP_WHAT_MAX * 3 + 4];
	int n;

	if (o->err)
		return;
	if (strlen(val) >= STEP_WHAT_MAX) {
		o->err = -ENAMETOOLONG;
		return;
	}
	escape(val, esc, sizeof(esc));
	n = snprintf(o->buf + o->used, o->len - o->used, " %s=%s", key, esc);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->err = -ENAMETOOLONG;
	else
		o->used += (size_t)n;
}

void kv_put_uint(struct kv_out *o, const char *key, unsigned long val)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", val);
	kv_put(o, key, num);
}

int kv_uint(const char *val, unsigned long max, unsigned long *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*val))
		return -EINVAL;
	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

int kv_bool(const char *val, bool *out)
{
	if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
		return -EINVAL;
	*out = val[0] == '1';
	return 0;
}

int kv_str(const char *val, char *dst, size_t len)
{
	if (strlen(val) >= len)
		return -EINVAL;
	strcpy(dst, val);
	return 0;
}

int eng_step_encode(const struct step *s, char *buf, size_t len)
{
	struct kv_out o = { buf, len, 0, 0 };

	buf[0] = '\0';
	kv_put(&o, "what", s->what);
	kv_put_uint(&o, "captured", s->captured);
	if (s->ops->encode)
		s->ops->encode(s, &o);
	return o.err;
}
