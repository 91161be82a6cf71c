/* The status page: the first thing a Hyper-V user sees on the VM's screen
 * once sinter is up. The top rows of the framebuffer console hold the
 * machine (CPUs, clock, memory), the hypervisor and its features, VMBus,
 * every offered channel with its class and the driver bound to it, and one
 * live line of counters; the log keeps scrolling in the rows below. Every
 * row but the live one is also written to serial as "status: <row>", so the
 * text on the screen is the text logged (make test compares them through a
 * QMP screendump, pixel for pixel against the console font). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "drivers/status_page.h"
#include "drivers/hv/hv.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hvutil/hvutil.h"
#include "drivers/vmbus/vmbus.h"
#include "drivers/vmbus_kernel.h"
#include "arch/x86_64/apic.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/timer.h"

#define MAX_ROWS 32
#define MAX_CHANNEL_ROWS 20

static char rows_text[MAX_ROWS][160];
static unsigned nrows, live_row;
static bool shown;
static uint64_t last_live_ns;

static const char *yn(bool b) { return b ? "yes" : "no"; }

/* One row: kept for the screen, logged to serial. */
static void add_row(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_row(const char *fmt, ...)
{
    if (nrows >= MAX_ROWS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rows_text[nrows], sizeof rows_text[nrows], fmt, ap);
    va_end(ap);
    char line[sizeof rows_text[0] + 16];
    int n = snprintf(line, sizeof line, "status: %s\n", rows_text[nrows]);
    if (n > 0)
        console_write_serial(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    nrows++;
}

static void guid_str(const struct vmbus_guid *g, char out[37])
{
    const uint8_t *b = g->b;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

static unsigned long channel_interrupts(void)
{
    unsigned long sum = 0;
    if (!vmbus_kernel_up())
        return 0;
    for (uint32_t relid = 1; relid <= vmbus_relid_hwm(); relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (ch)
            sum += atomic_load(&ch->interrupts);
    }
    return sum;
}

static void live_text(char *buf, size_t n)
{
    snprintf(buf, n, "live: channel interrupts %lu, heartbeats answered %lu, ticks %llu",
             channel_interrupts(), vmbus_kernel_up() ? hvutil_heartbeats_answered() : 0ul,
             (unsigned long long)timer_ticks());
}

void status_page_show(const char *summary)
{
    const struct hv_info *hi = hv_get_info();
    nrows = 0;
    add_row("sinter: %s", summary);
    add_row("sinter status: cpus %u/%u, apic %s, TSC %llu MHz from %s, memory %llu MiB", cpu_count,
            cpu_present, apic_mode_name(), (unsigned long long)(tsc_hz() / 1000000), clock_tsc_source(),
            (unsigned long long)(pmm_usable_bytes() >> 20));
    if (strcmp(hv_backend_name(), "none") == 0) {
        add_row("hypervisor: none in use (hv=%s)", hi->hypervisor_present ? "off or refused" : "none found");
    } else {
        add_row("hypervisor: \"%s\" (%s backend), version %u.%u build %u", hi->vendor, hv_backend_name(),
                hi->major, hi->minor, hi->build);
        add_row("features: hypercall %s, vp-index %s, synic %s, stimer %s, freq-msrs %s, ref-count %s",
                yn(hi->has_hypercall), yn(hi->has_vp_index), yn(hi->has_synic), yn(hi->has_stimer),
                yn(hi->has_freq_msrs), yn(hi->has_time_ref_count));
    }
    if (vmbus_kernel_up() && vmbus_connected()) {
        uint32_t v = vmbus_version();
        add_row("vmbus: version %u.%u, %u channels, relid high-water mark %u", VMBUS_VERSION_MAJOR(v),
                VMBUS_VERSION_MINOR(v), vmbus_channel_count(), vmbus_relid_hwm());
        add_row("relid  class                                 name            driver");
        unsigned listed = 0, more = 0;
        for (uint32_t relid = 1; relid <= vmbus_relid_hwm(); relid++) {
            struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
            if (!ch)
                continue;
            if (listed == MAX_CHANNEL_ROWS) {
                more++;
                continue;
            }
            char g[37];
            guid_str(&ch->class_id, g);
            add_row("%5u  %s  %-14s  %s", relid, g, vmbus_class_name(&ch->class_id),
                    ch->driver ? ch->driver->name : "(none)");
            listed++;
        }
        if (more)
            add_row("... and %u more channels", more);
    } else {
        add_row("vmbus: not connected");
    }
    live_row = nrows;
    nrows++;                      /* the live row: screen only, it changes */
    shown = console_page_reserve(nrows + 1);
    if (!shown)
        return;
    for (unsigned r = 0; r < live_row; r++)
        console_page_put(r, rows_text[r]);
    status_page_tick();
}

void status_page_tick(void)
{
    if (!shown)
        return;
    uint64_t now = clock_ns();
    if (last_live_ns && now - last_live_ns < 500000000ull)
        return;
    last_live_ns = now;
    char buf[160];
    live_text(buf, sizeof buf);
    console_page_put(live_row, buf);
}
