/*
 * The libFuzzer entry points each harness defines.  The same harness
 * sources also link against replay.c (no libFuzzer, any compiler), so
 * that `make check` replays the corpus and every crash found so far.
 */
#ifndef GN_FUZZ_H
#define GN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
