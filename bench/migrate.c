// SPDX-License-Identifier: GPL-2.0
/*
 * migrate: move peers of the bench model back and forth between the local
 * addresses L1 and L2 with one method (libreswan, strongswan, espmob), and
 * time each migration from the first request sent to the last reply
 * received (CLOCK_MONOTONIC). Writes one CSV line per migration with -o and
 * a key=value summary on stdout. Exit status: 0, 1 on a failed migration
 * or verification, 2 usage, 3 method unavailable (no esp_mobility family).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mig.h"

#define MAX_RUNS 8

/* One method's migrations: its own sockets, peers and samples. */
struct run {
	const struct method *method;
	struct mig g;
	unsigned int first;	/* its peers: first .. first + npeers - 1 */
	uint64_t *ns;
	unsigned int msgs, bad;
};

struct opts {
	struct run runs[MAX_RUNS];
	int nruns;
	unsigned int iters, first, npeers, interval_us, wait_ms;
	const char *out, *label;
	int acquires, verify, shared;
	uint32_t start;
};

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: migrate -m METHOD[,METHOD...] [-t tunnel|transport] [-c CHILDREN]\n"
		"               [-n MIGRATIONS] [-f FIRST] [-p PEERS] [-S] [-s START] [-i USEC]\n"
		"               [-a] [-w MS] [-V] [-o CSV] [-L LABEL]\n"
		"  METHOD: libreswan, strongswan, espmob (request naming SPIs and\n"
		"  policies), espmob-S (SPIs only) or espmob-E (endpoints only).\n"
		"  Method k moves peers\n"
		"  FIRST + k*PEERS .. FIRST + (k+1)*PEERS - 1 (default FIRST 0, PEERS 1)\n"
		"  MIGRATIONS times (default 1000) between %s and %s, starting\n"
		"  from START (default the first); methods take turns migration by\n"
		"  migration, in an order that rotates every round; -S: all methods move the same peers, each on from where\n"
		"  the previous left them. -i: pause between rounds; -a: count ACQUIREs (listening\n"
		"  on the group), -w: wait MS for late ones; -V: check every\n"
		"  migration's result; -o: append samples to CSV (method, mode, children,\n"
		"  others, variant, peers, iteration, ns, requests, kernel_ns); -L: the 'others'\n"
		"  column of the CSV\n",
		ADDR_L1, ADDR_L2);
	exit(rc);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static unsigned int drain_acquires(struct nlc *acq)
{
	unsigned int n = 0;

	for (;;) {
		ssize_t len = recv(mnl_socket_get_fd(acq->sk), acq->rbuf,
				   sizeof(acq->rbuf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const void *)acq->rbuf;
		int left = (int)len;

		if (len < 0) {
			if (errno == ENOBUFS) {	/* overrun: at least one */
				n++;
				continue;
			}
			return n;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == XFRM_MSG_ACQUIRE)
				n++;
	}
}

static int problem(unsigned int peer, int c, const char *what)
{
	fprintf(stderr, "verify: peer %u CHILD %d: %s\n", peer, c, what);
	return 1;
}

/* Is every SA and policy of @peer where a correct migration puts it? */
static int verify_peer(struct mig *g, unsigned int peer, uint32_t from,
		       uint32_t to)
{
	int c, bad = 0, tunnel = g->m.mode == XFRM_MODE_TUNNEL;

	for (c = 0; c < g->m.children; c++) {
		struct child n, o;
		struct xfrm_selector sel;
		uint32_t s, d;

		child_get(&g->m, peer, c, to, to, &n);
		child_get(&g->m, peer, c, from, from, &o);
		if (sa_get(&g->x, n.remote, n.spi_out, &s, &sel))
			bad |= problem(peer, c, "outbound SA missing");
		else if (s != to)
			bad |= problem(peer, c, "outbound SA not at the new source");
		else if (!tunnel && sel.saddr.a4 != to)
			bad |= problem(peer, c, "outbound SA selector names the old address");
		if (sa_get(&g->x, to, n.spi_in, &s, &sel))
			bad |= problem(peer, c, "inbound SA not at the new address");
		else if (!tunnel && sel.daddr.a4 != to)
			bad |= problem(peer, c, "inbound SA selector names the old address");
		if (!sa_get(&g->x, from, n.spi_in, NULL, NULL))
			bad |= problem(peer, c, "inbound SA left at the old address");
		if (tunnel) {
			if (policy_tmpl(&g->x, XFRM_POLICY_OUT, &n.sel_out, &s, &d) ||
			    s != to || d != n.remote)
				bad |= problem(peer, c, "out policy template not moved");
			if (policy_tmpl(&g->x, XFRM_POLICY_IN, &n.sel_in, &s, &d) ||
			    s != n.remote || d != to)
				bad |= problem(peer, c, "in policy template not moved");
			if (policy_tmpl(&g->x, XFRM_POLICY_FWD, &n.sel_in, &s, &d) ||
			    s != n.remote || d != to)
				bad |= problem(peer, c, "fwd policy template not moved");
			continue;
		}
		if (!policy_index(&g->x, XFRM_POLICY_OUT, &n.sel_out))
			bad |= problem(peer, c, "no out policy for the new address");
		if (!policy_index(&g->x, XFRM_POLICY_IN, &n.sel_in))
			bad |= problem(peer, c, "no in policy for the new address");
		if (policy_index(&g->x, XFRM_POLICY_OUT, &o.sel_out))
			bad |= problem(peer, c, "out policy left on the old address");
		if (policy_index(&g->x, XFRM_POLICY_IN, &o.sel_in))
			bad |= problem(peer, c, "in policy left on the old address");
	}
	return bad;
}

/*
 * "libreswan", "strongswan", "espmob" (SPIs and policies named), "espmob-S"
 * (SPIs only) or "espmob-E" (endpoints only)
 */
static void add_runs(struct opts *o, char *list)
{
	char *name;

	for (name = strtok(list, ","); name; name = strtok(NULL, ",")) {
		struct run *r = &o->runs[o->nruns];

		if (o->nruns == MAX_RUNS)
			usage(2);
		r->g.named = 1;
		if (!strcmp(name, "libreswan")) {
			r->method = &method_libreswan;
		} else if (!strcmp(name, "strongswan")) {
			r->method = &method_strongswan;
		} else if (!strcmp(name, "espmob")) {
			r->method = &method_espmob;
		} else if (!strcmp(name, "espmob-S")) {
			r->method = &method_espmob;
			r->g.spis_only = 1;
		} else if (!strcmp(name, "espmob-E")) {
			r->method = &method_espmob;
			r->g.named = 0;
		} else {
			usage(2);
		}
		o->nruns++;
	}
}

static void parse(int argc, char **argv, struct opts *o)
{
	int mode = XFRM_MODE_TUNNEL, children = 1, opt, k;

	memset(o, 0, sizeof(*o));
	o->iters = 1000;
	o->npeers = 1;
	o->label = "0";
	o->start = parse_ip4(ADDR_L1);
	while ((opt = getopt(argc, argv, "m:t:c:n:f:p:Ss:i:aw:Vo:L:h")) != -1) {
		switch (opt) {
		case 'm':
			add_runs(o, optarg);
			break;
		case 't':
		case 'c':
			if (model_opt(opt, optarg, &mode, &children))
				usage(2);
			break;
		case 'n': o->iters = strtoul(optarg, NULL, 0); break;
		case 'f': o->first = strtoul(optarg, NULL, 0); break;
		case 'p': o->npeers = strtoul(optarg, NULL, 0); break;
		case 'S': o->shared = 1; break;
		case 's': o->start = parse_ip4(optarg); break;
		case 'i': o->interval_us = strtoul(optarg, NULL, 0); break;
		case 'a': o->acquires = 1; break;
		case 'w': o->wait_ms = strtoul(optarg, NULL, 0); break;
		case 'V': o->verify = 1; break;
		case 'o': o->out = optarg; break;
		case 'L': o->label = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!o->nruns || !o->iters || !o->npeers)
		usage(2);
	for (k = 0; k < o->nruns; k++) {
		struct run *r = &o->runs[k];

		model_init(&r->g.m, mode, children);
		r->first = o->first + (o->shared ? 0 : k * o->npeers);
		r->ns = calloc(o->iters, sizeof(*r->ns));
		if (!r->ns || nlc_open(&r->g.x, NETLINK_XFRM, 0) ||
		    r->method->init(&r->g, o->npeers)) {
			fprintf(stderr, "migrate: cannot set up %s\n",
				r->method->name);
			exit(1);
		}
	}
}

static const char *variant(const struct run *r)
{
	if (r->method != &method_espmob)
		return "-";
	if (!r->g.named)
		return "endpoints";
	return r->g.spis_only ? "spis" : "named";
}

static const char *mode_name(const struct mig *g)
{
	return g->m.mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport";
}

/* One migration of @r's peers, timed; 0 or -errno. */
static int migrate_once(const struct opts *o, struct run *r, unsigned int it,
			uint32_t from, uint32_t to)
{
	unsigned int p;
	uint64_t t0;
	int err;

	for (p = 0; r->method->prepare && p < o->npeers; p++) {
		err = r->method->prepare(&r->g, p, r->first + p, from, to);
		if (err)
			return err;
	}
	r->g.msgs = 0;
	r->g.kernel_ns = 0;
	t0 = now_ns();
	for (p = 0; p < o->npeers; p++) {
		err = r->method->migrate(&r->g, p, r->first + p, from, to);
		if (err) {
			fprintf(stderr, "migrate: %s: migration %u, peer %u: %s%s%s\n",
				r->method->name, it, r->first + p, strerror(-err),
				r->g.x.errmsg[0] ? ": " : "", r->g.x.errmsg);
			return err;
		}
	}
	r->ns[it] = now_ns() - t0;
	r->msgs = r->g.msgs;
	/* untimed: verify, and whatever runs next, see the settled tables */
	if (r->method->settle) {
		err = r->method->settle(&r->g);
		if (err) {
			fprintf(stderr, "migrate: %s: migration %u: settling: %s\n",
				r->method->name, it, strerror(-err));
			return err;
		}
	}
	for (p = 0; o->verify && p < o->npeers; p++)
		r->bad += verify_peer(&r->g, r->first + p, from, to);
	return 0;
}

static void summary(const struct opts *o, struct run *r, unsigned int acquires)
{
	uint64_t *ns = r->ns;
	unsigned int n = o->iters;

	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("method=%s mode=%s children=%d others=%s variant=%s peers=%u n=%u "
	       "median_us=%.1f p99_us=%.1f min_us=%.1f msgs=%u",
	       r->method->name, mode_name(&r->g), r->g.m.children, o->label,
	       variant(r), o->npeers, n, ns[n / 2] / 1e3,
	       ns[(n * 99) / 100] / 1e3, ns[0] / 1e3, r->msgs);
	if (o->acquires)
		printf(" acquires=%u", acquires);
	if (o->verify)
		printf(" verify_failures=%u", r->bad);
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct opts o;
	struct nlc acq = { 0 };
	unsigned int it, acquires = 0, bad = 0;
	FILE *csv = NULL;
	int j, k;

	parse(argc, argv, &o);
	if (o.acquires &&
	    nlc_open(&acq, NETLINK_XFRM, 1u << (XFRMNLGRP_ACQUIRE - 1))) {
		fprintf(stderr, "migrate: cannot listen for ACQUIREs\n");
		return 1;
	}
	if (o.out) {
		csv = fopen(o.out, "a");
		if (!csv) {
			perror(o.out);
			return 1;
		}
	}

	/* The methods take turns, so that a slow spell hits them alike. */
	for (it = 0; it < o.iters; it++) {
		struct model *m = &o.runs[0].g.m;
		uint32_t other = o.start == m->l1 ? m->l2 : m->l1;

		/*
		 * The order rotates every round: whoever comes right after a
		 * method pays for the work that method left to RCU callbacks
		 * and workqueues, so no method may always come after the same.
		 */
		for (j = 0; j < o.nruns; j++) {
			struct run *r = &o.runs[(j + it) % o.nruns];
			/* shared peers: each method moves them on in turn */
			unsigned int step = o.shared ? it * o.nruns + j : it;
			uint32_t from = step % 2 ? other : o.start;
			uint32_t to = step % 2 ? o.start : other;

			if (migrate_once(&o, r, it, from, to))
				return 1;
			if (csv)
				fprintf(csv, "%s,%s,%d,%s,%s,%u,%u,%llu,%u,%llu\n",
					r->method->name, mode_name(&r->g),
					r->g.m.children, o.label, variant(r),
					o.npeers, it,
					(unsigned long long)r->ns[it], r->msgs,
					(unsigned long long)r->g.kernel_ns);
		}
		if (o.acquires)
			acquires += drain_acquires(&acq);
		if (o.interval_us)
			usleep(o.interval_us);
	}
	if (o.acquires) {
		usleep(o.wait_ms * 1000);
		acquires += drain_acquires(&acq);
	}
	if (csv)
		fclose(csv);
	for (k = 0; k < o.nruns; k++) {
		summary(&o, &o.runs[k], acquires);
		bad += o.runs[k].bad;
	}
	return bad ? 1 : 0;
}
