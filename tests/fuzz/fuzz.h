// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared by the fuzz targets (tests/fuzz/fuzz-*.c).  Each target is one
 * LLVMFuzzerTestOneInput(): libFuzzer drives it under clang (`make fuzz`),
 * and replay.c's main() feeds it the committed corpus under gcc (`make
 * check`).  A property a target checks that does not hold aborts, as a
 * sanitizer report does: both are crashes to fix. */
#ifndef VFH_FUZZ_H
#define VFH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string in a buffer of exactly size + 1 bytes, so that
 * ASan sees a read past its end; NULL when it holds a NUL (the parsers
 * take C strings: an embedded NUL is not an input they can be given). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s;

	if (memchr(data, '\0', size))
		return NULL;
	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property broken: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

#endif
