#include "kernel/clock.h"
#include "kernel/acpi.h"
#include "kernel/log.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/paging.h"

enum { REF_NONE, REF_HPET, REF_PMTMR };
static int ref = REF_NONE;
static uint64_t ref_hz;
static volatile uint64_t *hpet;
static uint64_t pm_last, pm_high;
static uint64_t tsc_rate, tsc_base, lapic_rate;
static const char *tsc_source = "calibrated";

#define HPET_CAP 0x00
#define HPET_CONF 0x10 / 8
#define HPET_COUNTER 0xf0 / 8
#define PM_TIMER_HZ 3579545ull  /* ACPI spec 4.8.3.3 */

bool refclock_init(void)
{
    if (acpi.hpet_base) {
        vm_map_mmio(acpi.hpet_base, 1024);
        hpet = (volatile uint64_t *)acpi.hpet_base;
        uint64_t period_fs = hpet[HPET_CAP] >> 32;
        if (period_fs && period_fs <= 100000000ull) {
            ref_hz = 1000000000000000ull / period_fs;
            hpet[HPET_CONF] |= 1; /* ENABLE_CNF: the main counter runs */
            ref = REF_HPET;
            return true;
        }
    }
    if (acpi.pm_timer_port) {
        ref = REF_PMTMR;
        ref_hz = PM_TIMER_HZ;
        pm_last = inl(acpi.pm_timer_port);
        return true;
    }
    return false;
}

const char *refclock_name(void)
{
    return ref == REF_HPET ? "hpet" : ref == REF_PMTMR ? "acpi-pm" : "none";
}

uint64_t refclock_hz(void) { return ref_hz; }

uint64_t refclock_read(void)
{
    if (ref == REF_HPET)
        return hpet[HPET_COUNTER];
    if (ref == REF_PMTMR) {
        uint64_t mask = acpi.pm_timer_32bit ? 0xffffffffull : 0xffffffull;
        uint64_t now = inl(acpi.pm_timer_port) & mask;
        uint64_t f = irq_save();
        if (now < (pm_last & mask))
            pm_high += mask + 1;
        pm_last = now;
        uint64_t v = pm_high + now;
        irq_restore(f);
        return v;
    }
    return 0;
}

void clock_calibrate(void)
{
    if (ref == REF_NONE) {
        /* No platform clock: trust CPUID leaf 0x15 if it has the numbers. */
        struct cpuid_regs r = cpuid(0x15, 0);
        tsc_rate = r.eax && r.ebx && r.ecx ? (uint64_t)r.ecx * r.ebx / r.eax : 2000000000ull;
        lapic_rate = tsc_rate / 16;
        tsc_source = "assumed";
        tsc_base = rdtsc();
        return;
    }
    /* 50 ms window; the LAPIC timer counts down at the bus rate / 16. */
    apic_write(APIC_TIMER_DIV, 0x3);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
    uint64_t window = ref_hz / 20;
    uint64_t r0 = refclock_read();
    while (refclock_read() == r0)
        cpu_relax();
    r0 = refclock_read();
    apic_write(APIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    uint64_t r1;
    while ((r1 = refclock_read()) - r0 < window)
        cpu_relax();
    uint64_t t1 = rdtsc();
    uint32_t left = apic_read(APIC_TIMER_CUR);
    apic_write(APIC_TIMER_INIT, 0);
    uint64_t elapsed = r1 - r0;
    tsc_rate = (t1 - t0) * ref_hz / elapsed;
    lapic_rate = (uint64_t)(0xffffffffu - left) * ref_hz / elapsed;
    tsc_base = rdtsc();
}

void clock_set_tsc_hz(uint64_t hz, const char *source)
{
    tsc_rate = hz;
    tsc_source = source;
}

void clock_set_lapic_timer_hz(uint64_t hz)
{
    lapic_rate = hz;
}

const char *clock_tsc_source(void) { return tsc_source; }
uint64_t tsc_hz(void) { return tsc_rate; }
uint64_t lapic_timer_hz(void) { return lapic_rate; }

uint64_t clock_ns(void)
{
    if (!tsc_rate)
        return 0;
    unsigned __int128 d = rdtsc() - tsc_base;
    return (uint64_t)(d * 1000000000u / tsc_rate);
}

void delay_us(uint64_t us)
{
    uint64_t end = clock_ns() + us * 1000;
    while (clock_ns() < end)
        cpu_relax();
}

static uint64_t wall_offset_ns;
static int wall_set;

void wallclock_set_ns(uint64_t unix_ns)
{
    wall_offset_ns = unix_ns - clock_ns();
    wall_set = 1;
}

uint64_t wallclock_ns(void)
{
    return wall_set ? wall_offset_ns + clock_ns() : 0;
}
