// SPDX-License-Identifier: GPL-2.0
/*
 * The mover (see move.h and Documentation/strongswan.rst).
 *
 * Threads: charon raises ike_update in the thread that has the IKE_SA
 * checked out, and then calls every CHILD_SA's update() in that same
 * thread (ike_sa.c update_hosts()). So the record of a move is kept per
 * thread (a thread_value_t), and no lock protects it; only the netlink
 * socket of the migrate client is shared, under its own lock.
 *
 * A CHILD_SA's kernel calls are claimed only between its state changes
 * INSTALLED => UPDATING and UPDATING => INSTALLED, which charon's update()
 * raises right around them: nothing else done later with the same SPIs
 * (a rekey, a delete) can be mistaken for the update.
 */
#include <errno.h>
#include <arpa/inet.h>

#include <daemon.h>
#include <threading/thread_value.h>

#include "espmob.h"
#include "migrate_client.h"
#include "move.h"

typedef struct private_mover_t private_mover_t;
typedef struct move_t move_t;

/* Why a move was left to charon; each is logged once at level 1. */
enum left_reason {
	LEFT_MODULE,		/* MIGRATE failed */
	LEFT_PORTS,		/* only ports changed */
	LEFT_CHILD,		/* a CHILD_SA the module cannot take */
	LEFT_TOO_MANY,		/* more SAs than one request takes */
	LEFT_MAX,
};

struct private_mover_t {
	mover_t public;
	migrate_client_t *client;
	/* the calling thread's move_t, or NULL */
	thread_value_t *current;
	/* bit per enum left_reason: logged once at level 1 already */
	u_int logged;
};

struct moved_child {
	uint32_t unique_id;
	uint32_t spi_in;
	uint32_t spi_out;
	/* charon is inside this CHILD_SA's update() */
	bool updating;
	bool done;
};

struct move_t {
	uint32_t ike_id;
	host_t *new_me;
	host_t *new_other;
	bool encap;
	u_int count;
	struct moved_child child[];
};

static void move_destroy(move_t *move)
{
	if (move)
	{
		DESTROY_IF(move->new_me);
		DESTROY_IF(move->new_other);
		free(move);
	}
}

static void set_current(private_mover_t *this, move_t *move)
{
	move_destroy(this->current->get(this->current));
	this->current->set(this->current, move);
}

/* Level 1 the first time for this reason, level 2 after that. */
#define LOG_LEFT(this, reason, fmt, ...) do { \
	if (!((this)->logged & (1 << (reason)))) { \
		(this)->logged |= 1 << (reason); \
		DBG1(DBG_KNL, "esp-mobility: " fmt "; charon updates the " \
			 "kernel itself (said once)", ##__VA_ARGS__); \
	} else { \
		DBG2(DBG_KNL, "esp-mobility: " fmt, ##__VA_ARGS__); \
	} \
} while (0)

/* A traffic selector charon would rewrite (a host TS on an old address). */
static bool has_host_ts(child_sa_t *child, bool local, host_t *old)
{
	enumerator_t *enumerator;
	traffic_selector_t *ts;
	bool found = FALSE;

	enumerator = child->create_ts_enumerator(child, local);
	while (enumerator->enumerate(enumerator, &ts))
	{
		if (ts->is_host(ts, old))
		{
			found = TRUE;
			break;
		}
	}
	enumerator->destroy(enumerator);
	return found;
}

/*
 * Why this CHILD_SA cannot be moved by the module together with the
 * others, or NULL if it can.
 */
static const char *ineligible(child_sa_t *child, host_t *old_me,
							  host_t *old_other)
{
	mark_t in = child->get_mark(child, TRUE);
	mark_t out = child->get_mark(child, FALSE);

	switch (child->get_state(child))
	{
		case CHILD_INSTALLED:
		case CHILD_REKEYING:
			break;
		default:
			return "a CHILD_SA that is not installed";
	}
	if (child->get_outbound_state(child) != CHILD_OUTBOUND_INSTALLED)
	{
		return "a CHILD_SA without its outbound SA and policies";
	}
	if (child->get_protocol(child) != PROTO_ESP)
	{
		return "an AH CHILD_SA";
	}
	if (child->get_mode(child) != MODE_TUNNEL)
	{
		return "a CHILD_SA not in tunnel mode";
	}
	if (in.value || out.value || child->get_if_id(child, TRUE) ||
		child->get_if_id(child, FALSE))
	{
		return "a CHILD_SA with a mark or an interface id";
	}
	if (has_host_ts(child, TRUE, old_me) ||
		has_host_ts(child, FALSE, old_other))
	{
		return "a CHILD_SA whose selectors charon rewrites";
	}
	return NULL;
}

static void put_addr(struct espmob_addr *a, host_t *host)
{
	chunk_t addr = host->get_address(host);

	a->family = host->get_family(host);
	memcpy(a->family == AF_INET ? (void *)&a->v4 : (void *)&a->v6,
		   addr.ptr, addr.len);
}

/*
 * Collects the CHILD_SAs to move into move and req. Returns FALSE, with
 * the reason in *why, if the IKE_SA is left to charon as a whole.
 */
static bool collect(ike_sa_t *ike_sa, host_t *old_me, host_t *old_other,
					move_t *move, struct migrate_req *req, u_int max,
					bool *was_encap, const char **why)
{
	enumerator_t *enumerator;
	child_sa_t *child;
	bool ok = TRUE;

	enumerator = ike_sa->create_child_sa_enumerator(ike_sa);
	while (enumerator->enumerate(enumerator, &child))
	{
		struct moved_child *mc;

		if (child->get_ipcomp(child) != IPCOMP_NONE)
		{	/* the module refuses IPComp: charon moves it, on its own */
			continue;
		}
		*why = ineligible(child, old_me, old_other);
		if (*why)
		{
			ok = FALSE;
			break;
		}
		if (move->count == max || req->n_spis + 2 > ESPMOB_MAX_SPIS)
		{
			*why = "more CHILD_SAs than one request takes";
			ok = FALSE;
			break;
		}
		mc = &move->child[move->count++];
		mc->unique_id = child->get_unique_id(child);
		mc->spi_in = child->get_spi(child, TRUE);
		mc->spi_out = child->get_spi(child, FALSE);
		req->spis[req->n_spis++] = ntohl(mc->spi_in);
		req->spis[req->n_spis++] = ntohl(mc->spi_out);
		*was_encap |= child->has_encap(child);
	}
	enumerator->destroy(enumerator);
	return ok;
}

static u_int count_children(ike_sa_t *ike_sa)
{
	enumerator_t *enumerator;
	u_int count = 0;
	void *child;

	enumerator = ike_sa->create_child_sa_enumerator(ike_sa);
	while (enumerator->enumerate(enumerator, &child))
	{
		count++;
	}
	enumerator->destroy(enumerator);
	return count;
}

METHOD(listener_t, ike_update, bool,
	private_mover_t *this, ike_sa_t *ike_sa, host_t *me, host_t *other)
{
	host_t *old_me = ike_sa->get_my_host(ike_sa);
	host_t *old_other = ike_sa->get_other_host(ike_sa);
	struct migrate_result res;
	struct migrate_req req = {};
	const char *why = NULL;
	bool was_encap = FALSE;
	char msg[512];
	u_int count;
	move_t *move;

	set_current(this, NULL);
	count = count_children(ike_sa);
	if (!count)
	{	/* e.g. the port float to 4500 during IKE_AUTH */
		return TRUE;
	}
	if (me->ip_equals(me, old_me) && other->ip_equals(other, old_other))
	{
		LOG_LEFT(this, LEFT_PORTS, "only ports change (%#H - %#H), which "
				 "the module does not take", me, other);
		return TRUE;
	}
	move = calloc(1, sizeof(*move) + count * sizeof(move->child[0]));
	if (!collect(ike_sa, old_me, old_other, move, &req, count, &was_encap,
				 &why))
	{
		LOG_LEFT(this, strstr(why, "request") ? LEFT_TOO_MANY : LEFT_CHILD,
				 "IKE_SA has %s", why);
		move_destroy(move);
		return TRUE;
	}
	if (!move->count)
	{	/* IPComp CHILD_SAs only */
		move_destroy(move);
		return TRUE;
	}
	move->ike_id = ike_sa->get_unique_id(ike_sa);
	move->new_me = me->clone(me);
	move->new_other = other->clone(other);
	/* what update_hosts() passes to every CHILD_SA's update() next */
	move->encap = ike_sa->has_condition(ike_sa, COND_NAT_ANY);

	put_addr(&req.old_ep.local, old_me);
	put_addr(&req.old_ep.remote, old_other);
	put_addr(&req.new_ep.local, me);
	put_addr(&req.new_ep.remote, other);
	if (move->encap)
	{
		req.has_encap = true;
		req.encap_mode = ESPMOB_ENCAP_ESPINUDP;
		req.encap_sport = me->get_port(me);
		req.encap_dport = other->get_port(other);
	}
	else if (was_encap)
	{
		req.has_encap = true;
		req.encap_mode = ESPMOB_ENCAP_NONE;
	}

	if (migrate_client_send(this->client, &req, &res, msg, sizeof(msg)))
	{
		LOG_LEFT(this, LEFT_MODULE, "MIGRATE %H - %H => %H - %H failed: %s",
				 old_me, old_other, me, other, msg);
		move_destroy(move);
		return TRUE;
	}
	DBG1(DBG_KNL, "esp-mobility: moved %u CHILD_SA%s (%u states, %u "
		 "policies) from %H - %H to %#H - %#H%s in %llu us, one MIGRATE",
		 move->count, move->count == 1 ? "" : "s", res.states, res.policies,
		 old_me, old_other, me, other,
		 req.has_encap ? (move->encap ? " in UDP" : " without UDP") : "",
		 (unsigned long long)res.duration_ns / 1000);
	set_current(this, move);
	return TRUE;
}

static struct moved_child *find(move_t *move, uint32_t unique_id)
{
	u_int i;

	for (i = 0; move && i < move->count; i++)
	{
		if (move->child[i].unique_id == unique_id)
		{
			return &move->child[i];
		}
	}
	return NULL;
}

METHOD(listener_t, child_state_change, bool,
	private_mover_t *this, ike_sa_t *ike_sa, child_sa_t *child,
	child_sa_state_t state)
{
	move_t *move = this->current->get(this->current);
	struct moved_child *mc;
	u_int i;

	if (!move || move->ike_id != ike_sa->get_unique_id(ike_sa))
	{
		return TRUE;
	}
	mc = find(move, child->get_unique_id(child));
	if (!mc || mc->done)
	{
		return TRUE;
	}
	if (state == CHILD_UPDATING)
	{
		mc->updating = TRUE;
		return TRUE;
	}
	if (!mc->updating)
	{
		return TRUE;
	}
	/* charon's update() of this CHILD_SA is over */
	mc->updating = FALSE;
	mc->done = TRUE;
	for (i = 0; i < move->count; i++)
	{
		if (!move->child[i].done)
		{
			return TRUE;
		}
	}
	set_current(this, NULL);
	return TRUE;
}

static struct moved_child *claimed(private_mover_t *this, uint32_t spi,
								   move_t **movep)
{
	move_t *move = this->current->get(this->current);
	u_int i;

	for (i = 0; move && i < move->count; i++)
	{
		struct moved_child *mc = &move->child[i];

		if (mc->updating && (mc->spi_in == spi || mc->spi_out == spi))
		{
			*movep = move;
			return mc;
		}
	}
	return NULL;
}

METHOD(mover_t, claims, bool,
	private_mover_t *this, uint32_t spi)
{
	move_t *move;

	return claimed(this, spi, &move) != NULL;
}

METHOD(mover_t, moved_to, bool,
	private_mover_t *this, uint32_t spi, host_t *new_src, host_t *new_dst,
	bool encap)
{
	struct moved_child *mc;
	move_t *move;
	host_t *src, *dst;

	mc = claimed(this, spi, &move);
	if (!mc)
	{
		return FALSE;
	}
	src = spi == mc->spi_in ? move->new_other : move->new_me;
	dst = spi == mc->spi_in ? move->new_me : move->new_other;
	return new_src->ip_equals(new_src, src) &&
		   new_dst->ip_equals(new_dst, dst) && encap == move->encap;
}

METHOD(mover_t, destroy, void,
	private_mover_t *this)
{
	this->current->destroy(this->current);
	migrate_client_destroy(this->client);
	free(this);
}

mover_t *mover_create(void)
{
	private_mover_t *this;

	INIT(this,
		.public = {
			.listener = {
				.ike_update = _ike_update,
				.child_state_change = _child_state_change,
			},
			.claims = _claims,
			.moved_to = _moved_to,
			.destroy = _destroy,
		},
		.client = migrate_client_create(),
		.current = thread_value_create((void *)move_destroy),
	);
	return &this->public;
}
