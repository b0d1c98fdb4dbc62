#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "json-decode.h"
#include "json-encode.h"
#include "log.h"
#include "spec.h"
#include "store-int.h"
#include "store.h"


static int mkdir_p(const char *path)
{
	char *copy = strdup(path), *p;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (p = copy + 1; r == 0; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			r = -errno;
		*p = c;
		if (!c)
			break;
	}
	free(copy);
	return r;
}

static int open_sub(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int store_open(struct gn_store *s, const char *dir, struct gn_err *err)
{
	int r;

	memset(s, 0, sizeof *s);
	s->dirfd = s->netfd = s->epfd = s->lockfd = -1;
	/* Until the load has settled the boot (check_boot). */
	s->sync_endpoints = true;
	s->dir = strdup(dir);
	if (!s->dir)
		return gn_errf(err, -ENOMEM, "out of memory");
	r = mkdir_p(dir);
	if (r < 0) {
		gn_errf(err, r, "state directory %s: cannot create it: %s", dir, strerror(-r));
		goto fail;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		r = gn_errf(err, -errno, "state directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		r = gn_errf(err, -errno, "state directory %s: lock file: %s", dir, strerror(errno));
		goto fail;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = gn_errf(err, -EBUSY, "state directory %s is in use by another guardnetd", dir);
		goto fail;
	}
	if ((s->netfd = open_sub(s->dirfd, "networks")) < 0 || (s->epfd = open_sub(s->dirfd, "endpoints")) < 0) {
		r = s->netfd < 0 ? s->netfd : s->epfd;
		gn_errf(err, r, "state directory %s: subdirectory: %s", dir, strerror(-r));
		goto fail;
	}
	return 0;
fail:
	store_close(s);
	return r;
}

void store_close(struct gn_store *s)
{
	int *fds[] = { &s->netfd, &s->epfd, &s->lockfd, &s->dirfd };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	free(s->dir);
	s->dir = NULL;
}

static const char *subname(const struct gn_store *s, int fd)
{
	(void)s;
	return fd == s->netfd ? "networks" : "endpoints";
}

int store_opendir(struct gn_store *s, int fd, DIR **ret, struct gn_err *err)
{
	int r, dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*ret = NULL;
	if (dfd >= 0 && (*ret = fdopendir(dfd)))
		return 0;
	r = -errno;
	if (dfd >= 0)
		close(dfd);
	return gn_errf(err, r, "cannot read %s/%s: %s", s->dir, subname(s, fd), strerror(-r));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int store_replace(int fd, const char *name, const char *text, bool sync)
{
	char tmp[GN_ID_LEN + 16];
	int r, f;

	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	f = openat(fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f < 0)
		return -errno;
	r = write_all(f, text, strlen(text));
	if (r == 0 && sync && fsync(f) < 0)
		r = -errno;
	if (close(f) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(fd, tmp, fd, name) < 0)
		r = -errno;
	/* The rename is durable only once the directory itself is synced. */
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(fd, tmp, 0);
	return r;
}

/* Replaces <fd>/<id>.json with obj (consumed). */
static int put(struct gn_store *s, int fd, const char *id, json_t *obj, bool sync, struct gn_err *err)
{
	char name[GN_ID_LEN + 16];
	char *text, *line;
	int r;

	snprintf(name, sizeof name, "%s" STORE_SUFFIX, id);
	if (!obj)
		return gn_errf(err, -ENOMEM, "state %s: out of memory", id);
	text = json_dumps(obj, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!text || asprintf(&line, "%s\n", text) < 0) {
		free(text);
		return gn_errf(err, -ENOMEM, "state %s: out of memory", id);
	}
	free(text);
	r = store_replace(fd, name, line, sync);
	free(line);
	/* These messages reach Docker: the file relative to the state
	 * directory (which the start-up log names), not guardnet's paths. */
	if (r < 0)
		return gn_errf(err, r, "cannot write state file %s/%s: %s", subname(s, fd), name, strerror(-r));
	return 0;
}

static int del(struct gn_store *s, int fd, const char *id, bool sync, struct gn_err *err)
{
	char name[GN_ID_LEN + 16];

	snprintf(name, sizeof name, "%s" STORE_SUFFIX, id);
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		return gn_errf(err, -errno, "cannot remove state file %s/%s: %s", subname(s, fd), name,
			       strerror(errno));
	if (sync && fsync(fd) < 0)
		return gn_errf(err, -errno, "cannot sync state directory %s: %s", subname(s, fd), strerror(errno));
	return 0;
}

int store_put_network(struct gn_store *s, const struct gn_network *net, struct gn_err *err)
{
	return put(s, s->netfd, net->spec.id, encode_network(&net->spec), true, err);
}

int store_put_endpoint(struct gn_store *s, const struct gn_endpoint *ep, struct gn_err *err)
{
	return put(s, s->epfd, ep->spec.id, encode_endpoint(ep), s->sync_endpoints, err);
}

int store_del_network(struct gn_store *s, const char *id, struct gn_err *err)
{
	return del(s, s->netfd, id, true, err);
}

int store_del_endpoint(struct gn_store *s, const char *id, struct gn_err *err)
{
	return del(s, s->epfd, id, s->sync_endpoints, err);
}

/* The whole of an open file, read in few calls: json_loadf reads a
 * character at a time, which was the largest part of reading 6,000 state
 * files at start-up (issue 17).  NUL-terminated for the error messages. */
static int slurp(int fd, char **ret, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* Room for the NUL and one byte more, so that the end of the file is
	 * seen by a read that returns 0, not by growing the buffer. */
	cap = (size_t)st.st_size + 2;
	if (!(buf = malloc(cap)))
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 == cap) {
			char *more = realloc(buf, cap * 2);

			if (!more) {
				free(buf);
				return -ENOMEM;
			}
			buf = more;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*ret = buf;
	*len = n;
	return 0;
}

/* Loads one file; the caller prefixes the message with the file name. */
static int read_json(int fd, const char *name, json_t **ret, struct gn_err *err)
{
	json_error_t je;
	json_t *root, *ver;
	char *text = NULL;
	size_t len = 0;
	int r, f_fd = openat(fd, name, O_RDONLY | O_CLOEXEC);

	if (f_fd < 0)
		return gn_errf(err, -errno, "%s", strerror(errno));
	r = slurp(f_fd, &text, &len);
	close(f_fd);
	if (r < 0)
		return gn_errf(err, r, "%s", strerror(-r));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!root)
		return gn_errf(err, -EINVAL, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
	ver = json_object_get(root, "Version");
	if (!json_is_integer(ver) || json_integer_value(ver) != GN_STATE_VERSION) {
		json_decref(root);
		return gn_errf(err, -EINVAL, "Version: expected %d", GN_STATE_VERSION);
	}
	*ret = root;
	return 0;
}

static int load_endpoint_runtime(json_t *root, struct gn_endpoint *ep, struct gn_err *err)
{
	json_t *join = json_object_get(root, "Join"), *prog = json_object_get(root, "Program");

	if (join) {
		json_t *key = json_object_get(join, "SandboxKey");

		if (!json_is_string(key))
			return gn_errf(err, -EINVAL, "Join.SandboxKey: expected a string");
		ep->sandbox_key = strdup(json_string_value(key));
		if (!ep->sandbox_key)
			return gn_errf(err, -ENOMEM, "out of memory");
		ep->joined = true;
	}
	if (prog) {
		json_t *opts = json_object_get(prog, "Options"), *no6 = NULL;
		int r;

		if (!json_is_object(opts))
			return gn_errf(err, -EINVAL, "Program.Options: expected an object");
		r = decode_ports(opts, "Program.Options", &ep->published, err);
		if (r < 0)
			return r;
		no6 = json_object_get(opts, "com.docker.network.driver.private.no_proxy_6to4");
		ep->no_proxy_6to4 = json_is_true(no6);
		ep->programmed = true;
	}
	return 0;
}

/* Checks that the file <id>.json holds the object with that id. */
static int check_name(const char *name, const char *id, struct gn_err *err)
{
	size_t n = strlen(id);

	if (strlen(name) != n + strlen(STORE_SUFFIX) || strncmp(name, id, n))
		return gn_errf(err, -EINVAL, "holds ID %s, which does not match the file name", id);
	return 0;
}

static int load_network(struct gn_store *s, struct gn_state *st, const char *name, struct gn_err *err)
{
	struct gn_network_spec spec;
	struct gn_network *net;
	json_t *root;
	int r = read_json(s->netfd, name, &root, err);

	if (r < 0)
		return r;
	r = decode_network(root, &spec, err);
	json_decref(root);
	if (r < 0)
		return r;
	r = check_name(name, spec.id, err);
	if (r == 0 && !spec.opts.bridge[0])
		r = gn_errf(err, -EINVAL, "Options: no guardnet.bridge");
	if (r == 0 && (r = state_add_network(st, &spec, &net)) < 0)
		gn_errf(err, r, "cannot add network: %s", strerror(-r));
	netspec_clear(&spec);
	return r;
}

static int load_endpoint(struct gn_store *s, struct gn_state *st, const char *name, struct gn_err *err)
{
	struct gn_endpoint_spec spec;
	struct gn_endpoint *ep;
	struct gn_network *net;
	json_t *root;
	int r = read_json(s->epfd, name, &root, err);

	if (r < 0)
		return r;
	r = decode_endpoint(root, &spec, err);
	if (r < 0)
		goto out;
	r = check_name(name, spec.id, err);
	if (r < 0) {
		epspec_clear(&spec);
		goto out;
	}
	net = state_network(st, spec.net_id);
	if (!net) {
		/* Its network's file was removed by hand, as the corrupt-state
		 * message advises: the endpoint went with it. */
		log_warnx("state: endpoint %s belongs to no known network %s, removing it", spec.id, spec.net_id);
		r = del(s, s->epfd, spec.id, s->sync_endpoints, err);
		epspec_clear(&spec);
		goto out;
	}
	r = state_add_endpoint(st, net, &spec, &ep);
	if (r < 0) {
		epspec_clear(&spec);
		gn_errf(err, r, "cannot add endpoint: %s", strerror(-r));
		goto out;
	}
	r = load_endpoint_runtime(root, ep, err);
out:
	json_decref(root);
	return r;
}

static int load_dir(struct gn_store *s, struct gn_state *st, int fd,
		    int (*one)(struct gn_store *, struct gn_state *, const char *, struct gn_err *),
		    struct gn_err *err)
{
	struct dirent *de;
	DIR *d;
	int r = store_opendir(s, fd, &d, err);

	while (r == 0 && (de = readdir(d))) {
		struct gn_err e;

		if (de->d_name[0] == '.') {
			/* A temporary file from a write that never reached rename(). */
			if (ends_with(de->d_name, ".tmp"))
				unlinkat(fd, de->d_name, 0);
			continue;
		}
		if (!ends_with(de->d_name, STORE_SUFFIX)) {
			log_warnx("state: ignoring unexpected file %s/%s/%s", s->dir, subname(s, fd), de->d_name);
			continue;
		}
		r = one(s, st, de->d_name, &e);
		if (r < 0)
			gn_errf(err, r, "state file %s/%s/%s is unusable: %s", s->dir, subname(s, fd), de->d_name,
				e.msg);
	}
	if (d)
		closedir(d);
	return r;
}

int store_load(struct gn_store *s, struct gn_state *st, struct gn_err *err)
{
	int r = load_dir(s, st, s->netfd, load_network, err);

	if (r == 0)
		r = store_check_boot(s, err);
	return r < 0 ? r : load_dir(s, st, s->epfd, load_endpoint, err);
}
