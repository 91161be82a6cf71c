/* The cases every uint64_t parser in sinter must get right, whatever its own
 * extras (the command line's k/m/g suffixes, the shell's plain numbers): the
 * largest value, the first one past it (refused, the output untouched), and
 * empty or digitless text refused. The shell's and the command line's tests
 * run these through their own parser, then their own cases. */
#ifndef SINTER_TESTS_U64_PARSE_CASES_H
#define SINTER_TESTS_U64_PARSE_CASES_H
#include <stdbool.h>
#include <stdint.h>
#include "tests/host/check.h"

typedef bool (*u64_parser)(const char *s, uint64_t *out);

static inline void check_u64_parser_limits(u64_parser parse)
{
    uint64_t v = 7;
    CHECK(parse("18446744073709551615", &v) && v == UINT64_MAX);
    v = 7;
    CHECK(!parse("18446744073709551616", &v) && v == 7);
    CHECK(!parse("0x", &v) && v == 7);
    CHECK(!parse("", &v) && v == 7);
}

#endif
