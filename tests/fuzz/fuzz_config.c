/* guardnet.conf text through config_parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_init(-1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* config_load hands the parser the file's bytes up to a NUL. */
	char *text = strndup((const char *)data, size);
	struct gn_config c;
	struct gn_err err;

	if (!text)
		return 0;
	config_init(&c);
	if (config_parse(&c, text, "fuzz.conf", &err) == 0 && c.mark == 0) {
		fprintf(stderr, "accepted a configuration it must refuse: mark %#x\n", c.mark);
		abort();
	}
	config_clear(&c);
	free(text);
	return 0;
}
