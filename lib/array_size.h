/* The number of elements of an array (not a pointer: a pointer argument
 * fails to compile, as in Linux's ARRAY_SIZE, through the type check). */
#ifndef SINTER_LIB_ARRAY_SIZE_H
#define SINTER_LIB_ARRAY_SIZE_H

#define ARRAY_SIZE_MUST_BE_ARRAY_(a) \
    (sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]) - 1)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + ARRAY_SIZE_MUST_BE_ARRAY_(a))

#endif
