/*
 * The state directory's file "boot": the kernel's boot ID under which the
 * endpoint files were written (plugin/store.h).  guardnetd writes it,
 * guardnetctl's degraded check reads it.
 */
#ifndef GUARDNET_BOOT_H
#define GUARDNET_BOOT_H

#include <stdbool.h>
#include <string.h>

#define GN_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define GN_BOOT_ID_LEN 36

/* The kernel's form: 8-4-4-4-12 lowercase hexadecimal digits. */
static inline bool gn_is_boot_id(const char *id)
{
	if (strlen(id) != GN_BOOT_ID_LEN)
		return false;
	for (size_t i = 0; i < GN_BOOT_ID_LEN; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? id[i] != '-' : !strchr("0123456789abcdef", id[i]))
			return false;
	return true;
}

#endif
