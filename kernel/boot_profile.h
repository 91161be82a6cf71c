/* Where boot time goes: kernel_main marks the end of each phase with the
 * TSC; the summary prints the phases (boot.profile=1) once the TSC rate is
 * known. Marks are cheap and always taken. */
#ifndef SINTER_KERNEL_BOOT_PROFILE_H
#define SINTER_KERNEL_BOOT_PROFILE_H
#include <stdint.h>

void boot_profile_start(uint64_t tsc);
/* The phase that ends now; name must be a string literal (kept, not copied). */
void boot_phase(const char *name);
/* TSC ticks from kernel entry to the last mark. */
uint64_t boot_profile_total(void);
/* Log one line per phase (with its share of the total) when boot.profile=1. */
void boot_profile_report(void);

#endif
