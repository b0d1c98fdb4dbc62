#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

json_t *ctl_ask(const char *path, json_t *request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *req = json_dumps(request, JSON_COMPACT);
	json_t *reply;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (!req || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "guardnetctl: cannot reach guardnetd at %s: %m\n", path);
		free(req);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "guardnetctl: sending to guardnetd at %s: %m\n", path);
		free(req);
		close(fd);
		return NULL;
	}
	free(req);
	/* As long as it is: status grows with the endpoints. */
	reply = json_loadfd(fd, JSON_DISABLE_EOF_CHECK, NULL);
	close(fd);
	if (!reply)
		fprintf(stderr, "guardnetctl: guardnetd at %s gave no readable answer\n", path);
	return reply;
}
