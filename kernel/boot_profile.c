#include "kernel/boot_profile.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "arch/x86_64/cpu.h"

#define BOOT_PHASES_MAX 24

static uint64_t start_tsc;
static unsigned n_phases;
static struct { const char *name; uint64_t end; } phases[BOOT_PHASES_MAX];

void boot_profile_start(uint64_t tsc)
{
    start_tsc = tsc;
}

void boot_phase(const char *name)
{
    if (n_phases < BOOT_PHASES_MAX)
        phases[n_phases++] = (typeof(phases[0])){ name, rdtsc() };
}

uint64_t boot_profile_total(void)
{
    return n_phases ? phases[n_phases - 1].end - start_tsc : 0;
}

void boot_profile_report(void)
{
    if (!option_bool("boot.profile", false))
        return;
    uint64_t hz = tsc_hz() ? tsc_hz() : 1, total = boot_profile_total(), prev = start_tsc;
    for (unsigned i = 0; i < n_phases; i++) {
        uint64_t d = phases[i].end - prev;
        prev = phases[i].end;
        log_info("boot", "profile: %-18s %6llu us  %3llu%%", phases[i].name,
                 (unsigned long long)(d * 1000000 / hz),
                 (unsigned long long)(total ? d * 100 / total : 0));
    }
    log_info("boot", "profile: %-18s %6llu us", "total", (unsigned long long)(total * 1000000 / hz));
}
