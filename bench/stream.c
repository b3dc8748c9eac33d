// SPDX-License-Identifier: GPL-2.0
/*
 * stream: send a paced UDP stream of numbered datagrams (8-byte sequence
 * number first) from SRC to DST:PORT for SECONDS, or until SIGTERM/SIGINT.
 * Prints "attempted=N errors=N seconds=S rate=R" at the end: attempted
 * counts every datagram the application tried to send, errors the sends
 * the kernel refused (e.g. EPERM from a blocking policy), first_error the
 * errno of the first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BURST 32

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint64_t seq = 0, errors = 0, t0, end, elapsed;
	int first_errno = 0;
	double rate, seconds;
	char payload[64];
	int fd;

	if (argc != 6) {
		fprintf(stderr, "usage: stream SRC DST PORT RATE SECONDS\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "stream: bad address\n");
		return 2;
	}
	dst.sin_port = htons(atoi(argv[3]));
	rate = atof(argv[4]);
	seconds = atof(argv[5]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		perror("stream: socket");
		return 1;
	}
	memset(payload, 0, sizeof(payload));
	t0 = now_ns();
	end = t0 + (uint64_t)(seconds * 1e9);
	while (!stop) {
		uint64_t now = now_ns();
		uint64_t due = (uint64_t)((now - t0) * rate / 1e9);
		struct timespec pause = { 0, 200000 };

		if (now >= end)
			break;
		/*
		 * catch up in a short burst, then sleep a little; a long
		 * burst would overflow the receiver's backlog (the rate
		 * reached is reported, not assumed)
		 */
		if (due > seq + BURST)
			due = seq + BURST;
		while (seq < due && !stop) {
			memcpy(payload, &seq, sizeof(seq));
			if (sendto(fd, payload, sizeof(payload), 0,
				   (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
			    !errors++)
				first_errno = errno;
			seq++;
		}
		nanosleep(&pause, NULL);
	}
	elapsed = now_ns() - t0;
	printf("attempted=%llu errors=%llu first_error=%s seconds=%.3f rate=%.0f\n",
	       (unsigned long long)seq, (unsigned long long)errors,
	       first_errno ? strerrorname_np(first_errno) : "-",
	       elapsed / 1e9, seq / (elapsed / 1e9));
	return 0;
}
