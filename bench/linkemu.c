/* bench/linkemu.c - a slow link between two network namespaces, and the
 * meter that counts what crosses it (bench/links.sh).
 *
 *   linkemu tun CLIENT_NS SERVER_NS CLIENT_DEV SERVER_DEV RATE_UP RATE_DOWN DELAY_MS LOSS STATS
 *       forward IP packets between the tun device CLIENT_DEV in CLIENT_NS
 *       and SERVER_DEV in SERVER_NS (both made by links.sh), each direction through a
 *       queue with its own bandwidth (bit/s, 0 = unlimited), a one-way
 *       delay and a random loss (per cent): netem done in user space, for
 *       kernels without sch_netem. Packets, not a TCP proxy, so TCP itself
 *       sees the delay, the loss and the bottleneck.
 *   linkemu sniff NS DEV CLIENT_IP STATS
 *       count the packets on DEV in NS (a veth shaped by tc netem, or not at
 *       all), outbound being those from CLIENT_IP.
 *
 * SIGUSR1 writes the counters since the last SIGUSR1 to STATS (through a
 * temporary file and a rename, so a reader never sees half) and starts
 * them again; SIGTERM ends.
 *
 * What is counted (TCP over IPv4; the bench uses nothing else):
 *   up, down   TCP payload bytes each way: HTTP and TLS together, as they
 *              cross the link (retransmissions included), without IP and
 *              TCP headers;
 *   wire_up, wire_down   whole IP packets, headers and pure ACKs included;
 *   rt         round trips: a flight from the client (a SYN, or payload)
 *              answered by the server (a SYN-ACK, or payload), across all
 *              connections: a TCP handshake is one, a TLS 1.3 handshake
 *              one, each request and its answer one; requests sent
 *              together on several connections count once, as they cost
 *              one round-trip time; what nothing answers, and the TLS
 *              close_notify each way at exit, cost no waiting and are not
 *              one;
 *   conns      TCP connections opened (SYNs from the client).
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXPKT      65536
#define TLS13_ALERT 24   /* an encrypted TLS 1.3 alert record: 5 + 2 + 1 + 16 tag */
#define QUEUE       4096 /* packets held per direction (netem's default limit is 1000) */
#define UP          0
#define DOWN        1

struct counts {
	uint64_t bytes[2], wire[2], pkts[2], rt, conns;
};

static struct counts c;
static int last_dir = -1;  /* direction of the last packet that carried something */
static bool asked;         /* a flight from the client waits for its answer */
static size_t asked_bytes; /* its payload */
static volatile sig_atomic_t want_dump, want_stop;
static const char *stats_path;
static bool trace; /* LINKEMU_TRACE set: each packet that carries something, on stderr */

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_dump = 1;
	else
		want_stop = 1;
}

static void dump(void)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", stats_path);
	FILE *f = fopen(tmp, "w");
	if (f) {
		fprintf(f,
		        "rt=%llu up=%llu down=%llu wire_up=%llu wire_down=%llu pkts_up=%llu pkts_down=%llu "
		        "conns=%llu\n",
		        (unsigned long long)c.rt, (unsigned long long)c.bytes[UP],
		        (unsigned long long)c.bytes[DOWN], (unsigned long long)c.wire[UP],
		        (unsigned long long)c.wire[DOWN], (unsigned long long)c.pkts[UP],
		        (unsigned long long)c.pkts[DOWN], (unsigned long long)c.conns);
		if (fclose(f) == 0)
			rename(tmp, stats_path);
	}
	memset(&c, 0, sizeof c);
	last_dir = -1;
	asked = false;
	asked_bytes = 0;
}

/* Count one IPv4 packet going dir. */
static void count(const unsigned char *p, size_t n, int dir)
{
	if (n < sizeof(struct iphdr))
		return;
	const struct iphdr *ip = (const struct iphdr *)p;
	if (ip->version != 4)
		return;
	size_t tot = ntohs(ip->tot_len), ihl = (size_t)ip->ihl * 4;
	if (tot > n)
		tot = n;
	c.wire[dir] += tot;
	c.pkts[dir]++;
	if (ip->protocol != IPPROTO_TCP || tot < ihl + sizeof(struct tcphdr))
		return;
	const struct tcphdr *t = (const struct tcphdr *)(p + ihl);
	size_t thl = (size_t)t->doff * 4;
	size_t payload = tot > ihl + thl ? tot - ihl - thl : 0;
	c.bytes[dir] += payload;
	bool syn = t->syn;
	if (dir == UP && syn && !t->ack)
		c.conns++;
	if (!payload && !syn)
		return; /* a pure ACK or FIN costs no waiting */
	if (trace)
		fprintf(stderr, "linkemu: %s %5zu B%s%s\n", dir == UP ? "up  " : "down", payload,
		        syn ? " SYN" : "", dir == DOWN && asked ? "  <- round trip" : "");
	if (dir == UP && last_dir != UP) {
		asked = true;
		asked_bytes = 0;
	}
	if (dir == UP)
		asked_bytes += payload;
	if (dir == DOWN && asked) {
		/* a TLS 1.3 close_notify (one 24-byte record) answered by the
		 * server's, at exit: nobody waits for it */
		if (!(asked_bytes == TLS13_ALERT && payload == TLS13_ALERT))
			c.rt++;
		asked = false;
	}
	last_dir = dir;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- tun: the emulated link --------------------------------------------- */

struct pkt {
	double due; /* when it leaves the far end of the link */
	size_t len;
	unsigned char *data;
};

struct dirq {
	struct pkt q[QUEUE];
	int head, n;
	double free_at; /* when the link's sender is free again */
	double rate;    /* bit/s, 0 = unlimited */
	int out_fd;
};

static double delay_s, loss;

static void enqueue(struct dirq *d, const unsigned char *p, size_t n)
{
	if (d->n == QUEUE)
		return; /* tail drop, like a full router queue */
	if (loss > 0 && drand48() * 100.0 < loss)
		return;
	double t = now_s();
	double start = d->free_at > t ? d->free_at : t;
	double tx = d->rate > 0 ? (double)n * 8.0 / d->rate : 0;
	d->free_at = start + tx;
	struct pkt *k = &d->q[(d->head + d->n) % QUEUE];
	k->due = d->free_at + delay_s;
	k->len = n;
	k->data = malloc(n);
	if (!k->data)
		return;
	memcpy(k->data, p, n);
	d->n++;
}

static void deliver(struct dirq *d, double t)
{
	while (d->n && d->q[d->head].due <= t) {
		struct pkt *k = &d->q[d->head];
		if (write(d->out_fd, k->data, k->len) < 0 && errno != EAGAIN)
			perror("linkemu: write");
		free(k->data);
		d->head = (d->head + 1) % QUEUE;
		d->n--;
	}
}

static int enter_ns(const char *ns)
{
	char path[256];
	snprintf(path, sizeof path, "/var/run/netns/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		fprintf(stderr, "linkemu: cannot enter network namespace %s: %s\n", ns, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int open_tun(const char *ns, const char *dev)
{
	if (enter_ns(ns) != 0)
		return -1;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr = {0};
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
		fprintf(stderr, "linkemu: cannot attach to %s in %s: %s\n", dev, ns, strerror(errno));
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int run_tun(char **argv)
{
	int fd[2];
	fd[UP] = open_tun(argv[0], argv[2]);   /* packets the client sends come out here */
	fd[DOWN] = open_tun(argv[1], argv[3]); /* and the server's here */
	if (fd[UP] < 0 || fd[DOWN] < 0)
		return 1;
	static struct dirq q[2];
	q[UP].rate = atof(argv[4]);
	q[DOWN].rate = atof(argv[5]);
	delay_s = atof(argv[6]) / 1000.0;
	loss = atof(argv[7]);
	q[UP].out_fd = fd[DOWN];
	q[DOWN].out_fd = fd[UP];
	srand48((long)getpid());
	static unsigned char buf[MAXPKT];
	while (!want_stop) {
		if (want_dump) {
			want_dump = 0;
			dump();
		}
		double t = now_s(), next = t + 0.2;
		for (int d = 0; d < 2; d++)
			if (q[d].n && q[d].q[q[d].head].due < next)
				next = q[d].q[q[d].head].due;
		int ms = (int)((next - t) * 1000.0 + 0.999);
		struct pollfd p[2] = {{fd[UP], POLLIN, 0}, {fd[DOWN], POLLIN, 0}};
		poll(p, 2, ms > 0 ? ms : 0);
		for (int d = 0; d < 2; d++) {
			if (!(p[d].revents & POLLIN))
				continue;
			ssize_t n;
			while ((n = read(fd[d], buf, sizeof buf)) > 0) {
				count(buf, (size_t)n, d);
				enqueue(&q[d], buf, (size_t)n);
			}
		}
		t = now_s();
		deliver(&q[UP], t);
		deliver(&q[DOWN], t);
	}
	return 0;
}

/* ---- sniff: count what passes a veth ------------------------------------ */

static int run_sniff(char **argv)
{
	if (enter_ns(argv[0]) != 0)
		return 1;
	struct in_addr client;
	if (inet_pton(AF_INET, argv[2], &client) != 1) {
		fprintf(stderr, "linkemu: bad address %s\n", argv[2]);
		return 1;
	}
	/* ETH_P_ALL: a socket bound to one protocol sees only what comes in */
	int s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s < 0) {
		perror("linkemu: packet socket");
		return 1;
	}
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[1]);
	if (ioctl(s, SIOCGIFINDEX, &ifr) == 0)
		sll.sll_ifindex = ifr.ifr_ifindex;
	int rcv = 4 << 20;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	if (!sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof sll) != 0) {
		fprintf(stderr, "linkemu: cannot listen on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	static unsigned char buf[MAXPKT];
	while (!want_stop) {
		if (want_dump) {
			want_dump = 0;
			dump();
		}
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n;
		struct sockaddr_ll from;
		socklen_t fl = sizeof from;
		while ((n = recvfrom(s, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
			fl = sizeof from;
			if ((size_t)n < sizeof(struct iphdr) || from.sll_protocol != htons(ETH_P_IP))
				continue;
			const struct iphdr *ip = (const struct iphdr *)buf;
			count(buf, (size_t)n, ip->saddr == client.s_addr ? UP : DOWN);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	trace = getenv("LINKEMU_TRACE") != NULL;
	if (argc == 11 && !strcmp(argv[1], "tun")) {
		stats_path = argv[10];
		return run_tun(argv + 2);
	}
	if (argc == 6 && !strcmp(argv[1], "sniff")) {
		stats_path = argv[5];
		return run_sniff(argv + 2);
	}
	fprintf(stderr,
	        "usage: linkemu tun CLIENT_NS SERVER_NS CLIENT_DEV SERVER_DEV RATE_UP RATE_DOWN DELAY_MS "
	        "LOSS STATS\n"
	        "       linkemu sniff NS DEV CLIENT_IP STATS\n");
	return 2;
}
