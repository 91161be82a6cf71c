/* The command-line options the kernel knows, each checked once at boot. An
 * unknown key or a malformed value gets one warning line and is ignored. */
#ifndef SINTER_KERNEL_OPTIONS_H
#define SINTER_KERNEL_OPTIONS_H
#include <stdint.h>
#include <stdbool.h>

void options_init(const char *cmdline);
/* The raw validated value for key, or NULL when absent or rejected. */
const char *option_str(const char *key);
uint64_t option_u64(const char *key, uint64_t fallback);
bool option_bool(const char *key, bool fallback);
/* Is item in the comma-separated list given for key? */
bool option_list_has(const char *key, const char *item);

#endif
