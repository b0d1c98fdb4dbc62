#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int verbose;
/* guardnetctl links the pure files that log (ufw.c) and names itself. */
static const char *program = "guardnetd";
/* journald reads "<N>" as the syslog priority of the line (sd-daemon(3)). */
static int journal;

void log_init(int verbosity)
{
	verbose = verbosity;
	journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_program(const char *name)
{
	program = name;
}

int log_verbosity(void)
{
	return verbose;
}

static void vlog(int prio, const char *tag, const char *fmt, va_list ap, const char *suffix)
{
	int saved = errno;
	char line[2048];

	/* Verbosity -1 (the unit tests) silences everything. */
	if (verbose < 0)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (journal)
		fprintf(stderr, "<%d>%s%s%s\n", prio, line, suffix ? ": " : "", suffix ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s%s%s\n", program, tag, line, suffix ? ": " : "", suffix ? suffix : "");
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(4, "warning: ", fmt, ap, why);
	va_end(ap);
}

/* Start-up refusals: guardnetd exits 1 after one of these. */
void log_err(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(3, "error: ", fmt, ap, why);
	va_end(ap);
}

void log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(3, "error: ", fmt, ap, NULL);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(4, "warning: ", fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(6, "", fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(7, "debug: ", fmt, ap, NULL);
	va_end(ap);
}

int gn_errf(struct gn_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}
