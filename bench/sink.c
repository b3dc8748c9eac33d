// SPDX-License-Identifier: GPL-2.0
/*
 * sink: the receiving and the observing end of the datapath benchmark.
 *   sink recv PORT     count the distinct sequence numbers of the stream's
 *                      datagrams arriving on UDP PORT (after IPsec);
 *   sink wire IFNAME PORT
 *                      capture the frames IFNAME sends (AF_PACKET, outgoing
 *                      only: what goes on the wire from the sending host)
 *                      and count ESP packets, duplicate (SPI, sequence
 *                      number) pairs, and cleartext datagrams to UDP PORT.
 * Runs until SIGTERM/SIGINT, then drains its socket and prints key=value
 * counters on one line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SPIS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A growable bitmap of the numbers seen. */
struct seen {
	uint8_t *bits;
	uint64_t nbits;
};

/* Marks @n; returns 1 if it was marked already. */
static int seen_mark(struct seen *s, uint64_t n)
{
	int dup;

	if (n >= s->nbits) {
		uint64_t nbits = s->nbits ? s->nbits : 1 << 20;
		uint8_t *bits;

		while (nbits <= n)
			nbits *= 2;
		bits = realloc(s->bits, nbits / 8);
		if (!bits) {
			perror("sink: realloc");
			exit(1);
		}
		memset(bits + s->nbits / 8, 0, (nbits - s->nbits) / 8);
		s->bits = bits;
		s->nbits = nbits;
	}
	dup = !!(s->bits[n / 8] & (1u << (n % 8)));
	s->bits[n / 8] |= 1u << (n % 8);
	return dup;
}

static void big_rcvbuf(int fd)
{
	int size = 32 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* Wait for data or a signal; returns 0 once stopped and drained. */
static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (stop)
		return poll(&p, 1, 0) > 0;
	poll(&p, 1, 100);
	return 1;
}

static int do_recv(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint64_t received = 0, unique = 0;
	struct seen s = { 0 };
	char buf[2048];
	int fd;

	a.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("sink: bind");
		return 1;
	}
	big_rcvbuf(fd);
	printf("ready\n");
	fflush(stdout);
	while (wait_readable(fd)) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		uint64_t seq;

		if (n < (ssize_t)sizeof(seq))
			continue;
		memcpy(&seq, buf, sizeof(seq));
		received++;
		if (!seen_mark(&s, seq))
			unique++;
	}
	printf("received=%llu unique=%llu\n", (unsigned long long)received,
	       (unsigned long long)unique);
	return 0;
}

struct wire {
	uint32_t spi[MAX_SPIS];
	struct seen seen[MAX_SPIS];
	int nspis;
	uint64_t esp, dups, clear, other;
};

static void wire_ip(struct wire *w, const uint8_t *p, size_t len, int port)
{
	const struct iphdr *ip = (const void *)p;
	size_t hl;

	if (len < sizeof(*ip) || ip->version != 4)
		return;
	hl = ip->ihl * 4u;
	if (len < hl + 8)
		return;
	if (ip->protocol == IPPROTO_ESP) {
		uint32_t spi, seq;
		int i;

		memcpy(&spi, p + hl, 4);
		memcpy(&seq, p + hl + 4, 4);
		spi = ntohl(spi);
		seq = ntohl(seq);
		w->esp++;
		for (i = 0; i < w->nspis && w->spi[i] != spi; i++)
			;
		if (i == w->nspis) {
			if (w->nspis == MAX_SPIS)
				return;
			w->spi[w->nspis++] = spi;
		}
		w->dups += seen_mark(&w->seen[i], seq);
	} else if (ip->protocol == IPPROTO_UDP) {
		const struct udphdr *u = (const void *)(p + hl);

		if (ntohs(u->dest) == port)
			w->clear++;
	} else {
		w->other++;
	}
}

static int do_wire(const char *ifname, int port)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct tpacket_stats st;
	socklen_t stlen = sizeof(st);
	static struct wire w;
	uint8_t buf[4096];
	int fd;

	/* outgoing frames reach ETH_P_ALL sockets only */
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (!sll.sll_ifindex || fd < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("sink: packet socket");
		return 1;
	}
	big_rcvbuf(fd);
	printf("ready\n");
	fflush(stdout);
	while (wait_readable(fd)) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n <= 0 || from.sll_pkttype != PACKET_OUTGOING ||
		    from.sll_protocol != htons(ETH_P_IP))
			continue;
		wire_ip(&w, buf, n, port);
	}
	memset(&st, 0, sizeof(st));
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen);
	printf("esp=%llu dup_spi_seq=%llu cleartext=%llu spis=%d capture_drops=%u\n",
	       (unsigned long long)w.esp, (unsigned long long)w.dups,
	       (unsigned long long)w.clear, w.nspis, st.tp_drops);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "wire"))
		return do_wire(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: sink recv PORT | sink wire IFNAME PORT\n");
	return 2;
}
