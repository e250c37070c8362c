// SPDX-License-Identifier: LGPL-2.1-or-later
/* Commands on domains: check (the host, or a domain), plan, status,
 * recover. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Loads DOMAIN's INI and its domain XML (--xml, or libvirt on the live
 * system); *xml keeps the text for the advice (free() it, NULL when none). */
static void load_domain(struct vfh_ctx *ctx, const char *domain, const struct opts *o,
			struct hook_config *hc, struct domain_xml *dom, bool *have_dom,
			char **xml_out, size_t *xml_len)
{
	struct eng_err e;
	int r;

	domain_arg(domain);
	*xml_out = NULL;
	r = eng_config_load(ctx, domain, hc, &e);
	if (r == -ENOENT) {
		char path[512];

		eng_ini_path(vfh_ctx_get_root(ctx, VFH_ROOT_ETC), domain, path, sizeof(path));
		die("%s: no INI file (%s): vfiohook leaves this domain alone", domain, path);
	}
	if (r < 0)
		die("%s", e.msg);
	*have_dom = false;
	/* a tree below --root has no libvirtd of its own: only --xml there */
	if (o->xml || vfh_ctx_is_live(ctx)) {
		struct eng_err xe = { 0 };
		size_t len;
		char *xml = domain_xml_fetch(domain, o, &len);

		r = eng_domxml_parse(xml, len, dom, &xe);
		if (r < 0)
			die("%s: %s", o->xml ? o->xml : domain, xe.msg);
		*have_dom = true;
		*xml_out = xml;
		*xml_len = len;
	} else if (hc->from_xml) {
		fprintf(stderr, "%s: %s says passthrough = auto: without --xml only the devices it "
			"lists are planned\n", prog, hc->path);
	}
}

static void steps_node(struct onode *arr, const struct step *s, size_t i, const char *state)
{
	struct onode *st = o_obj(arr, NULL);
	char desc[256];

	eng_step_describe(s, desc, sizeof(desc));
	o_int(st, "n", (long long)i + 1);
	o_str(st, "kind", s->ops->name);
	o_str(st, "what", s->what);
	if (state)
		o_str(st, "state", state);
	o_str(st, "description", desc);
}

/* ---- plan */

static void plan_human(const struct onode *doc, const struct opts *o)
{
	const struct onode *steps = o_get(doc, "steps");

	(void)o;
	if (steps->n == 0)
		printf("%s: prepare would take no step ('vfiohook check %s' says why)\n",
		       o_gets(doc, "domain"), o_gets(doc, "domain"));
	else if (steps->n == 1)
		printf("%s: prepare would take 1 step (release undoes it):\n", o_gets(doc, "domain"));
	else
		printf("%s: prepare would take %zu steps (release undoes them in reverse):\n",
		       o_gets(doc, "domain"), steps->n);
	for (size_t i = 0; i < steps->n; i++)
		printf("%3lld. %s\n", o_geti(steps->kid[i], "n"), o_gets(steps->kid[i], "description"));
}

int cmd_plan(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct hook_config hc;
	struct domain_xml dom = { 0 };
	struct plan plan;
	struct eng_err e = { 0 };
	struct onode *doc, *steps;
	bool have_dom;
	char *xml;
	size_t len;

	(void)argc;
	load_domain(ctx, argv[0], o, &hc, &dom, &have_dom, &xml, &len);
	free(xml);
	if (eng_plan_build(ctx, argv[0], &hc, have_dom ? &dom : NULL, &plan, &e) < 0)
		die("%s", e.msg);
	doc = o_doc("plan");
	o_str(doc, "domain", argv[0]);
	o_str(doc, "ini", hc.path);
	steps = o_arr(doc, "steps");
	for (size_t i = 0; i < plan.n; i++) {
		/* capture only reads: it shows what each step would replace */
		eng_step_capture(ctx, &plan.steps[i]);
		steps_node(steps, &plan.steps[i], i, NULL);
	}
	eng_plan_free(&plan);
	eng_config_free(&hc);
	eng_domxml_free(&dom);
	o_emit(doc, o, plan_human);
	return EXIT_OK;
}

/* ---- check */

void finding(struct onode *arr, const char *verdict, const char *what, const char *fix,
	     const char *fmt, ...)
{
	struct onode *f = o_obj(arr, NULL);
	va_list ap;
	char *detail;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	o_str(f, "verdict", verdict);
	o_str(f, "what", what);
	o_str(f, "detail", detail);
	o_str(f, "fix", fix);
	free(detail);
}

static void findings_human(const struct onode *arr, const struct opts *o)
{
	for (size_t i = 0; arr && i < arr->n; i++) {
		const struct onode *f = arr->kid[i];
		const char *v = o_gets(f, "verdict"), *fix = o_gets(f, "fix");
		char text[2048];

		snprintf(text, sizeof(text), "%s: %s", o_gets(f, "what"), o_gets(f, "detail"));
		printf("%s%-4s%s  ", c_on(o, v), v, c_off(o));
		wrap_at(6, text);
		if (*fix)
			print_wrapped("      fix: ", fix);
	}
}

/* the host doctor's report; check DOMAIN prints its own as it goes */
static void check_human(const struct onode *doc, const struct opts *o)
{
	findings_human(o_get(doc, "findings"), o);
	printf("%lld ok, %lld warn, %lld fail\n", o_geti(doc, "ok"), o_geti(doc, "warn"),
	       o_geti(doc, "fail"));
}

static void count_verdicts(struct onode *doc)
{
	const struct onode *arr = o_get(doc, "findings");
	long long c[3] = { 0 };

	for (size_t i = 0; i < arr->n; i++) {
		const char *v = o_gets(arr->kid[i], "verdict");

		c[strcmp(v, "ok") == 0 ? 0 : strcmp(v, "warn") == 0 ? 1 : 2]++;
	}
	o_int(doc, "ok", c[0]);
	o_int(doc, "warn", c[1]);
	o_int(doc, "fail", c[2]);
}

/* text with every `from` replaced by `to`; malloc'ed */
static char *replace_all(const char *text, const char *from, const char *to)
{
	size_t flen = strlen(from), tlen = strlen(to), n = 0;
	const char *p;
	char *out, *w;

	for (p = text; flen && (p = strstr(p, from)); p += flen)
		n++;
	if (!(out = malloc(strlen(text) + n * tlen + 1)))
		die("out of memory");
	for (w = out, p = text; *p;) {
		if (flen && strncmp(p, from, flen) == 0) {
			memcpy(w, to, tlen);
			w += tlen;
			p += flen;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	return out;
}

static int check_domain(struct vfh_ctx *ctx, const char *domain, const struct opts *o)
{
	struct hook_config hc;
	struct domain_xml dom = { 0 };
	struct plan plan;
	struct eng_err e = { 0 };
	struct onode *doc = o_doc("check"), *arr;
	bool have_dom;
	char *xml;
	size_t len, nsteps;
	int fails;

	load_domain(ctx, domain, o, &hc, &dom, &have_dom, &xml, &len);
	o_str(doc, "domain", domain);
	o_str(doc, "ini", hc.path);
	o_bool(doc, "valid", true);
	if (!o->json) {
		/* said before the plan's refusal, which goes to stderr */
		printf("%s: valid\n", hc.path);
		fflush(stdout);
	}
	if (eng_plan_build(ctx, domain, &hc, have_dom ? &dom : NULL, &plan, &e) < 0)
		die("%s", e.msg);
	o_int(doc, "steps", (long long)plan.n);
	if (plan.n == 0) {
		char why[1024];

		eng_config_why_idle(&hc, have_dom ? &dom : NULL, why, sizeof(why));
		o_str(doc, "idle", why);
	} else {
		o_null(doc, "idle");
	}
	arr = o_arr(doc, "findings");
	/* advice only for a domain the hook acts on */
	if (xml && plan.n)
		xml_advice(ctx, xml, len, &dom, &hc, o, arr);
	plan_advice(ctx, &plan, arr);
	count_verdicts(doc);
	fails = (int)o_geti(doc, "fail");
	nsteps = plan.n;
	free(xml);
	eng_plan_free(&plan);
	eng_config_free(&hc);
	eng_domxml_free(&dom);
	if (!o->json) {
		/* the "valid" line is out already */
		const struct onode *f = o_get(doc, "findings");

		char *head, *text;

		if (asprintf(&head, "%s: ", domain) < 0)
			die("out of memory");
		if (nsteps > 0) {
			if (asprintf(&text, "this host can run its plan (%zu step%s; 'vfiohook "
				     "plan %s' lists %s)", nsteps, nsteps == 1 ? "" : "s", domain,
				     nsteps == 1 ? "it" : "them") < 0)
				die("out of memory");
		} else {
			/* the file by its name: its path is on the line above */
			const char *ini = o_gets(doc, "ini"), *slash = strrchr(ini, '/');

			text = replace_all(o_gets(doc, "idle"), ini, slash ? slash + 1 : ini);
		}
		print_hanging(head, text);
		free(head);
		free(text);
		findings_human(f, o);
		o_free(doc);
	} else {
		o_emit(doc, o, check_human);
	}
	return fails ? EXIT_FINDING : EXIT_OK;
}

int cmd_check(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct onode *doc;
	int fails;

	if (argc == 1)
		return check_domain(ctx, argv[0], o);
	if (o->xml)
		die_usage("check", "%s", "--xml goes with a DOMAIN: check DOMAIN --xml FILE");
	doc = o_doc("check");
	o_null(doc, "domain");
	o_arr(doc, "findings");
	fails = doctor_run(ctx, doc);
	count_verdicts(doc);
	o_emit(doc, o, check_human);
	return fails ? EXIT_FINDING : EXIT_OK;
}

/* ---- status, recover */

static void holds_node(struct onode *parent, const struct ledger *l, const char *domain)
{
	struct onode *arr = o_arr(parent, "holds");

	for (size_t i = 0; i < l->n; i++) {
		struct onode *c;

		if (strcmp(l->v[i].domain, domain) != 0)
			continue;
		c = o_obj(arr, NULL);
		o_str(c, "type", l->v[i].c.type);
		o_str(c, "key", l->v[i].c.key);
		if (l->v[i].c.exclusive)
			o_null(c, "amount");
		else
			o_int(c, "amount", (long long)l->v[i].c.amount);
	}
}

static void journal_node(struct vfh_ctx *ctx, struct onode *arr, const char *domain,
			 const struct ledger *l)
{
	struct onode *d = o_obj(arr, NULL), *steps;
	struct journal j;
	int r = eng_journal_open(ctx, domain, false, &j);

	o_str(d, "domain", domain);
	if (r == -ENOENT) {
		o_str(d, "state", "none");
		return;
	}
	if (r < 0) {
		o_str(d, "state", "unreadable");
		o_str(d, "why", *j.why ? j.why : strerror(-r));
		return;
	}
	o_str(d, "state", j.prepared ? "prepared" : "incomplete");
	o_int(d, "pending", (long long)eng_journal_pending(&j));
	steps = o_arr(d, "steps");
	for (size_t i = 0; i < j.n; i++)
		steps_node(steps, &j.e[i].step, i, j.e[i].undone ? "undone" : j.e[i].doubt_pid ?
			   "doubt" : j.e[i].done ? "done" : "begun");
	holds_node(d, l, domain);
	eng_journal_close(&j);
}

static void holds_human(const struct onode *d)
{
	const struct onode *h = o_get(d, "holds");

	if (!h || !h->n)
		return;
	printf("     holds:");
	for (size_t i = 0, col = 16; i < h->n; i++) {
		char one[192];
		long long amount = o_geti(h->kid[i], "amount");

		if (amount > 1)
			snprintf(one, sizeof(one), " %s %s x%lld", o_gets(h->kid[i], "type"),
				 o_gets(h->kid[i], "key"), amount);
		else
			snprintf(one, sizeof(one), " %s %s", o_gets(h->kid[i], "type"),
				 o_gets(h->kid[i], "key"));
		if (col + strlen(one) + 1 > COLS && col > 16) {
			printf("\n           ");
			col = 11;
		}
		printf("%s%s", one, i + 1 < h->n ? "," : "");
		col += strlen(one) + 1;
	}
	putchar('\n');
}

static void journal_human(const struct onode *d)
{
	const char *dom = o_gets(d, "domain"), *state = o_gets(d, "state");
	const struct onode *steps = o_get(d, "steps");
	long long pending = o_geti(d, "pending");

	if (strcmp(state, "none") == 0) {
		printf("%s: no journal (nothing held)\n", dom);
		return;
	}
	if (strcmp(state, "unreadable") == 0) {
		printf("%s: journal unreadable: %s\n", dom, o_gets(d, "why"));
		return;
	}
	printf("%s: %s, %lld step%s to undo\n", dom, strcmp(state, "prepared") == 0 ? "prepared" :
	       "prepare did not finish", pending, pending == 1 ? "" : "s");
	for (size_t i = 0; i < steps->n; i++)
		printf("%3lld. %-7s %s\n", o_geti(steps->kid[i], "n"), o_gets(steps->kid[i], "state"),
		       o_gets(steps->kid[i], "description"));
	holds_human(d);
}

static void status_human(const struct onode *doc, const struct opts *o)
{
	const struct onode *js = o_get(doc, "journals");

	(void)o;
	if (js->n == 0)
		printf("no journals: vfiohook holds nothing\n");
	for (size_t i = 0; i < js->n; i++)
		journal_human(js->kid[i]);
}

int cmd_status(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct onode *doc = o_doc("status"), *arr;
	struct ledger l;
	char **doms;
	size_t n;
	int r;

	if (argc == 1)
		domain_arg(argv[0]);
	if (eng_ledger_load(ctx, NULL, &l) < 0)
		memset(&l, 0, sizeof(l));
	arr = o_arr(doc, "journals");
	if (argc == 1) {
		journal_node(ctx, arr, argv[0], &l);
	} else {
		r = eng_journal_list(ctx, &doms, &n);
		if (r < 0)
			die("cannot list journals: %s", strerror(-r));
		for (size_t i = 0; i < n; i++)
			journal_node(ctx, arr, doms[i], &l);
		free(doms);
	}
	eng_ledger_free(&l);
	o_emit(doc, o, status_human);
	return EXIT_OK;
}

int cmd_recover(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct eng_err res;
	struct onode *doc = o_doc("recover"), *arr;
	struct ledger l;

	(void)argc;
	domain_arg(argv[0]);
	/* what it holds now, then the undo */
	if (eng_ledger_load(ctx, NULL, &l) < 0)
		memset(&l, 0, sizeof(l));
	arr = o_arr(doc, "journals");
	journal_node(ctx, arr, argv[0], &l);
	eng_ledger_free(&l);
	if (strcmp(o_gets(arr->kid[0], "state"), "none") != 0)
		journal_human(arr->kid[0]);
	o_free(doc);
	fflush(stdout);
	eng_log_open(ctx);
	eng_log_context(argv[0], "recover");
	vfh_ctx_set_log_fn(ctx, log_stderr, NULL);
	if (eng_run_release(ctx, argv[0], &res) < 0)
		die("%s", res.msg);
	printf("%s: nothing left to undo\n", argv[0]);
	return EXIT_OK;
}
