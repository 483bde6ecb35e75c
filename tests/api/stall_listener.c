/* tests/api/stall_listener.c - a registry that never answers.
 *
 * Listens on 127.0.0.1 (port 0 = any), prints "PORT <n>" on stdout, accepts
 * every TCP connection and then says nothing, ever. The transport tests use
 * it to prove the pump never blocks and that timeouts fire. Exits when
 * stdin closes or on SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 64

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 0;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
		perror("stall_listener");
		return 1;
	}
	printf("PORT %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	int held[MAX_CONN];
	int n = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = ls, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents) {
			char c;
			if (read(0, &c, 1) <= 0)
				break;
		}
		if (p[0].revents & POLLIN) {
			int c = accept(ls, NULL, NULL);
			if (c < 0)
				continue;
			if (n < MAX_CONN)
				held[n++] = c; /* hold it open, read nothing, write nothing */
			else
				close(c);
		}
	}
	for (int i = 0; i < n; i++)
		close(held[i]);
	close(ls);
	return 0;
}
