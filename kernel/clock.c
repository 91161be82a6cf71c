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
static const char *tsc_source = "none";

#define HPET_CAP 0x00
#define HPET_CONF 0x10 / 8
#define HPET_COUNTER 0xf0 / 8
#define PM_TIMER_HZ 3579545ull  /* ACPI spec 4.8.3.3 */

bool refclock_init(bool use_pm_timer)
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
    if (acpi.pm_timer_port && use_pm_timer) {
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

/* Rates a hypervisor states (Hyper-V's frequency MSRs), offered before
 * clock_calibrate; 0 = none. */
static uint64_t offered_tsc, offered_lapic;
static const char *offered_source;

void clock_offer_rates(uint64_t tsc, uint64_t lapic_div16, const char *source)
{
    offered_tsc = tsc;
    offered_lapic = lapic_div16;
    offered_source = source;
}

/* One measuring window. Each end point is read between two reference
 * reads; returns how many reference ticks those brackets took, so that a
 * window a vCPU pause landed in (the host descheduled us between the last
 * reference read and the TSC/LAPIC reads) is recognised and measured again
 * instead of trusted: such a pause made both rates read 1.7x high under a
 * loaded host. */
static uint64_t measure_window(uint64_t window, uint64_t *tsc, uint64_t *lapic_div16)
{
    uint64_t r = refclock_read();
    while (refclock_read() == r)
        cpu_relax();
    uint64_t a0 = refclock_read();
    apic_write(APIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    uint64_t b0 = refclock_read();
    uint64_t a1;
    while ((a1 = refclock_read()) - b0 < window)
        cpu_relax();
    uint64_t t1 = rdtsc();
    uint32_t left = apic_read(APIC_TIMER_CUR);
    uint64_t b1 = refclock_read();
    apic_write(APIC_TIMER_INIT, 0);
    /* Each end point lies inside its bracket: take the brackets' middles. */
    uint64_t elapsed = (a1 + b1) / 2 - (a0 + b0) / 2;
    *tsc = (t1 - t0) * ref_hz / elapsed;
    *lapic_div16 = (uint64_t)(0xffffffffu - left) * ref_hz / elapsed;
    return (b0 - a0) + (b1 - a1);
}

bool clock_measure(unsigned window_ms, unsigned slack_div, uint64_t *tsc, uint64_t *lapic_div16)
{
    if (ref == REF_NONE)
        return false;
    /* window_ms windows; the LAPIC timer counts down at the bus rate / 16.
     * A window whose brackets took more than 1/slack_div of it is measured
     * again (at most 5 windows); the tightest one counts. */
    apic_write(APIC_TIMER_DIV, 0x3);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
    uint64_t window = ref_hz * window_ms / 1000, best = UINT64_MAX, t, l;
    /* A short window first, thrown away: the first pass through this code
     * is the slow one under a binary translator (TCG: >100 us brackets). */
    measure_window(window / 64, &t, &l);
    for (int i = 0; i < 5 && best > window / slack_div; i++) {
        uint64_t slack = measure_window(window, &t, &l);
        if (slack < best) {
            best = slack;
            *tsc = t;
            *lapic_div16 = l;
        }
    }
    return true;
}

bool clock_cpuid_rates(uint64_t *tsc, uint64_t *lapic_div16, const char **source)
{
    uint32_t max = cpuid(0, 0).eax;
    /* Leaf 0x15: TSC = crystal * EBX / EAX; the crystal also drives the
     * LAPIC timer (SDM vol. 3, 11.5.4 and CPUID leaf 15H). */
    if (max >= 0x15) {
        struct cpuid_regs r = cpuid(0x15, 0);
        if (r.eax && r.ebx && r.ecx) {
            *tsc = (uint64_t)r.ecx * r.ebx / r.eax;
            *lapic_div16 = r.ecx / 16;
            *source = "cpuid 0x15";
            return true;
        }
    }
    /* Leaf 0x16: base frequency and bus (reference) frequency in MHz. */
    if (max >= 0x16) {
        struct cpuid_regs r = cpuid(0x16, 0);
        if (r.eax & 0xffff) {
            *tsc = (uint64_t)(r.eax & 0xffff) * 1000000ull;
            *lapic_div16 = (uint64_t)(r.ecx & 0xffff) * 1000000ull / 16;
            *source = "cpuid 0x16";
            return true;
        }
    }
    return false;
}

/* Sane rates only: a hypervisor's word is still the host's, checked. */
static bool plausible(uint64_t tsc, uint64_t lapic_div16)
{
    return tsc >= 1000000ull && tsc <= 100000000000ull && lapic_div16 >= 1000ull &&
           lapic_div16 <= 10000000000ull;
}

/* The chain: the hypervisor's stated rates (no measuring window at all),
 * else a 50 ms window against the HPET or the ACPI PM timer, else CPUID
 * leaves 0x15/0x16, else a guess. */
void clock_calibrate(void)
{
    uint64_t tsc = 0, lapic = 0;
    const char *src = NULL;
    if (offered_tsc) {
        if (plausible(offered_tsc, offered_lapic)) {
            tsc = offered_tsc;
            lapic = offered_lapic;
            src = offered_source;
        } else {
            log_warn("clock", "%s rates refused: TSC %llu Hz, LAPIC timer %llu Hz (div 16)",
                     offered_source, (unsigned long long)offered_tsc,
                     (unsigned long long)offered_lapic);
        }
    }
    if (!src && clock_measure(50, 1000, &tsc, &lapic))
        src = refclock_name();
    if (!src && !(clock_cpuid_rates(&tsc, &lapic, &src) && plausible(tsc, lapic)))
        src = NULL;
    if (!src) {
        tsc = 2000000000ull;
        lapic = tsc / 16;
        src = "assumed";
        log_warn("clock", "no hypervisor rates, HPET, ACPI PM timer or CPUID rates: TSC rate is a guess");
    }
    tsc_rate = tsc;
    lapic_rate = lapic;
    tsc_source = src;
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
