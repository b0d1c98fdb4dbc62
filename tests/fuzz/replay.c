/*
 * Runs a harness over files and directories of inputs, once each, the way
 * a libFuzzer binary does when given files.  A finding aborts (or trips a
 * sanitizer), so a zero exit means every input passed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned replayed;

static int replay_file(const char *path, size_t size)
{
	/* Exactly size bytes, so that a read past the input shows. */
	uint8_t *buf = malloc(size ? size : 1);
	FILE *f = fopen(path, "rb");
	int r = -1;

	if (!buf || !f)
		perror(path);
	else if (fread(buf, 1, size, f) != size)
		fprintf(stderr, "%s: short read\n", path);
	else
		r = 0;
	if (f)
		fclose(f);
	if (r == 0) {
		LLVMFuzzerTestOneInput(buf, size);
		replayed++;
	}
	free(buf);
	return r;
}

static int replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, (size_t)st.st_size);
	/* Sorted, so that a failure names the same input every run. */
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
			if (replay_path(sub) < 0)
				r = -1;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	int r = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i]) < 0)
			r = 1;
	printf("%s: replayed %u inputs\n", argv[0], replayed);
	return r;
}
