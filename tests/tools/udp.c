/*
 * A UDP peer for tests (busybox nc has no UDP):
 *   udp serve PORT             answer every datagram with "echo:" and its text
 *   udp send HOST PORT TEXT [SRC]  send TEXT (from address SRC), print the answer;
 *                              exit 1 after 2 s without one, 3 when refused
 *                              (an ICMP port or host unreachable came back)
 * Built with gcc -static so that it runs inside busybox images.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(const char *port)
{
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE }, *ai;
	int fd, off = 0;

	if (getaddrinfo(NULL, port, &hints, &ai) != 0)
		return 2;
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("bind");
		return 2;
	}
	for (;;) {
		char buf[1024], out[1100];
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);

		if (n < 0)
			continue;
		buf[n] = '\0';
		n = snprintf(out, sizeof out, "echo:%s", buf);
		sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
}

static int send_one(const char *host, const char *port, const char *text, const char *src)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai, *sa;
	struct pollfd p;
	char buf[1100];
	ssize_t n;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return 2;
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (src && (getaddrinfo(src, NULL, &hints, &sa) != 0 || bind(fd, sa->ai_addr, sa->ai_addrlen) < 0))
		return 2;
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 || send(fd, text, strlen(text), 0) < 0)
		return 2;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 2000) <= 0)
		return 1;
	n = recv(fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return errno == ECONNREFUSED || errno == EHOSTUNREACH ? 3 : 1;
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "send"))
		return send_one(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	fprintf(stderr, "usage: udp serve PORT | udp send HOST PORT TEXT [SRC]\n");
	return 2;
}
