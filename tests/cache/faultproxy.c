/* tests/cache/faultproxy.c - a TCP relay in front of a real vaxregd that
 * breaks one upload, the way networks do.
 *
 *   faultproxy TARGET_PORT MODE N [ARM]
 *
 * Listens on 127.0.0.1 (any port), prints "PORT <n>", relays every
 * connection to 127.0.0.1:TARGET_PORT byte for byte (TLS stays end to end).
 * The first connection on which one read towards the registry brings more
 * than ARM bytes (default 1536: a Bundle upload, even gzipped; logins and
 * $match requests are smaller) gets the fault, then everything passes:
 *   cut-up N    only N more bytes reach the registry, then both sides close
 *               (connection reset mid-upload: the registry never commits)
 *   stall-up N  N more bytes reach the registry, then nothing moves either
 *               way and the sockets stay open (a stalled link)
 *   cut-down N  the request goes through, but only N bytes of the answer come
 *               back before both sides close (the registry committed; the
 *               client never hears it: the resend must be a no-op)
 *   reset-hello every connection is reset (RST) as soon as the client's
 *               first TLS bytes arrive: a handshake the peer broke off (N
 *               is ignored)
 * Exits on SIGTERM or when stdin closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAIRS 32
#define ARM       1536 /* a Bundle upload, gzipped, is a few kB; a login or $match stays under 1 kB */

enum mode { M_CUT_UP, M_STALL_UP, M_CUT_DOWN, M_RESET_HELLO };

struct pair {
	int c, s;      /* client side, registry side; -1 when closed */
	long up, down; /* bytes relayed each way */
	long up_at_arm, down_at_arm;
	bool armed, stalled;
};

static int listen_any(int *port)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return ls;
}

static int dial(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
		return s;
	if (s >= 0)
		close(s);
	return -1;
}

static void drop(struct pair *p)
{
	if (p->c >= 0)
		close(p->c);
	if (p->s >= 0)
		close(p->s);
	p->c = p->s = -1;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fputs("usage: faultproxy TARGET_PORT cut-up|stall-up|cut-down|reset-hello N [ARM]\n", stderr);
		return 2;
	}
	int target = atoi(argv[1]);
	enum mode mode = !strcmp(argv[2], "cut-up")        ? M_CUT_UP
	                 : !strcmp(argv[2], "stall-up")    ? M_STALL_UP
	                 : !strcmp(argv[2], "reset-hello") ? M_RESET_HELLO
	                                                   : M_CUT_DOWN;
	long n = atol(argv[3]);
	long arm = argc == 5 ? atol(argv[4]) : ARM;
	int port, ls = listen_any(&port);
	if (ls < 0) {
		perror("faultproxy");
		return 1;
	}
	printf("PORT %d\n", port);
	fflush(stdout);
	struct pair pairs[MAX_PAIRS];
	for (int i = 0; i < MAX_PAIRS; i++)
		pairs[i] = (struct pair){.c = -1, .s = -1};
	bool fired = false;
	char buf[16384];
	for (;;) {
		struct pollfd pf[2 + 2 * MAX_PAIRS];
		int map[2 + 2 * MAX_PAIRS];
		int np = 0;
		pf[np] = (struct pollfd){.fd = ls, .events = POLLIN};
		map[np++] = -1;
		pf[np] = (struct pollfd){.fd = 0, .events = POLLIN};
		map[np++] = -2;
		for (int i = 0; i < MAX_PAIRS; i++) {
			if (pairs[i].c < 0 || pairs[i].stalled)
				continue;
			pf[np] = (struct pollfd){.fd = pairs[i].c, .events = POLLIN};
			map[np++] = 2 * i;
			pf[np] = (struct pollfd){.fd = pairs[i].s, .events = POLLIN};
			map[np++] = 2 * i + 1;
		}
		if (poll(pf, (nfds_t)np, -1) < 0)
			continue;
		if (pf[1].revents)
			return 0;
		if (pf[0].revents & POLLIN) {
			int c = accept(ls, NULL, NULL);
			if (c >= 0 && mode == M_RESET_HELLO) {
				/* wait for the ClientHello, then RST instead of FIN */
				struct linger lg = {.l_onoff = 1, .l_linger = 0};
				struct pollfd hp = {.fd = c, .events = POLLIN};
				if (poll(&hp, 1, 5000) > 0 && read(c, buf, sizeof buf) > 0 && !fired) {
					fired = true;
					printf("fault: reset-hello\n");
					fflush(stdout);
				}
				setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
				close(c);
				continue;
			}
			int slot = -1;
			for (int i = 0; i < MAX_PAIRS && slot < 0; i++)
				if (pairs[i].c < 0 && !pairs[i].stalled)
					slot = i;
			int s = c >= 0 && slot >= 0 ? dial(target) : -1;
			if (s < 0) {
				if (c >= 0)
					close(c);
			} else {
				pairs[slot] = (struct pair){.c = c, .s = s};
			}
		}
		for (int k = 2; k < np; k++) {
			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct pair *p = &pairs[map[k] / 2];
			bool from_client = map[k] % 2 == 0;
			int from = from_client ? p->c : p->s, to = from_client ? p->s : p->c;
			if (from < 0 || p->stalled)
				continue;
			ssize_t r = read(from, buf, sizeof buf);
			if (r <= 0) {
				drop(p);
				continue;
			}
			long len = r;
			if (!fired && !p->armed && from_client && len > arm) {
				p->armed = true;
				fired = true;
				p->up_at_arm = p->up;
				p->down_at_arm = p->down;
				printf("fault: %s after %ld bytes\n", argv[2], n);
				fflush(stdout);
			}
			if (p->armed && from_client && mode != M_CUT_DOWN && p->up + len > p->up_at_arm + n) {
				len = p->up_at_arm + n - p->up;
				if (len > 0 && write(to, buf, (size_t)len) < 0)
					len = 0;
				if (mode == M_CUT_UP) {
					drop(p);
				} else {
					p->stalled = true; /* keep both open; move nothing */
				}
				continue;
			}
			if (p->armed && !from_client && mode == M_CUT_DOWN &&
			    p->down + len > p->down_at_arm + n) {
				len = p->down_at_arm + n - p->down;
				if (len > 0 && write(to, buf, (size_t)len) < 0)
					len = 0;
				drop(p);
				continue;
			}
			if (write(to, buf, (size_t)len) != len) {
				drop(p);
				continue;
			}
			if (from_client)
				p->up += len;
			else
				p->down += len;
		}
	}
}
