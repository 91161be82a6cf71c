/* libFuzzer target: the whole guest control path driven by host messages.
 * The fuzz input is the host: every pump() of the services delivers the next
 * item of the input to the stack:
 *   0x00..0xdf  a channel message of that many bytes (any content), to
 *               vmbus_on_message();
 *   0xe0..0xe7  ring bytes: the host writes into an open channel's inbound
 *               ring at its write index and signals it, so the IC drivers
 *               read real ring packets (ic_common.c through vmbus_ring.c);
 *   0xe8..0xee  an index rewrite: the host stores any value into one index
 *               field of an open channel's ring after the guest attached it;
 *   0xef        end of the poll phase: what follows answers the disconnect
 *               (UNLOAD_RESPONSE, GPADL_TORNDOWN, ... or garbage);
 *   0xf0..0xff  a SIEF word: index, then up to 8 bytes of bits.
 * vmbus_connect() runs against it (version negotiation, offers, driver probe
 * of the IC drivers with GPADL/OPENCHANNEL waits), then vmbus_poll() for
 * rescinds and hot offers, then vmbus_disconnect(). Every wait is bounded by
 * a fake clock, so no input can hang it; ASan/UBSan catch the rest, and
 * leaks show up because everything must be freed by the end.
 * tests/fuzz/make_seeds.py writes the seeds in this format; FUZZ_VERBOSE=1
 * shows every log line of a run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "drivers/hvutil/hvutil.h"
#include "tests/host/host_log.h"

static const uint8_t *in;
static size_t in_left;
static uint64_t clock_ns;
static uint64_t sief[VMBUS_EVENT_FLAGS_COUNT / 64];

void hvutil_hook_shutdown(void) {}
void hvutil_hook_set_wall_clock(uint64_t ns, int sync) { (void)ns; (void)sync; }
bool hvutil_hook_ref_time_100ns(uint64_t *now) { *now = 0; return false; }

static bool take(void *out, size_t n)
{
    size_t k = in_left < n ? in_left : n;
    memset(out, 0, n);
    memcpy(out, in, k);
    in += k;
    in_left -= k;
    return k == n;
}

/* The nth open channel in relid order (wrapping), or NULL if none is. */
static struct vmbus_channel *open_channel(unsigned nth)
{
    unsigned n_open = 0, hwm = vmbus_relid_hwm();
    for (unsigned r = 0; r <= hwm; r++) {
        struct vmbus_channel *ch = vmbus_chantable[r];
        n_open += ch && ch->open && ch->ring_mem;
    }
    if (n_open == 0)
        return NULL;
    nth %= n_open;
    for (unsigned r = 0; r <= hwm; r++) {
        struct vmbus_channel *ch = vmbus_chantable[r];
        if (ch && ch->open && ch->ring_mem && nth-- == 0)
            return ch;
    }
    return NULL;
}

static struct vmbus_ring_header *ring_of(struct vmbus_channel *ch, bool inbound, uint32_t *data_size)
{
    size_t first = inbound ? ch->send_pages : 0;
    size_t pages = inbound ? ch->ring_pages - ch->send_pages : ch->send_pages;
    *data_size = (uint32_t)((pages - 1) * VMBUS_PAGE_SIZE);
    return (struct vmbus_ring_header *)((uint8_t *)ch->ring_mem + first * VMBUS_PAGE_SIZE);
}

static void signal_channel(uint32_t relid)
{
    sief[relid / 64] |= 1ull << (relid % 64);
    vmbus_on_events(sief);
}

/* 0xe0..0xe7: channel byte, 2-byte length, then that many ring bytes,
 * written wrap-around at the host's write index as a host would. */
static void deliver_ring_bytes(void)
{
    uint8_t pick;
    uint16_t len;
    take(&pick, 1);
    take(&len, 2);
    struct vmbus_channel *ch = open_channel(pick);
    if (len > in_left)
        len = (uint16_t)in_left;
    if (ch == NULL) {
        in += len;
        in_left -= len;
        return;
    }
    uint32_t size;
    struct vmbus_ring_header *h = ring_of(ch, true, &size);
    uint8_t *data = (uint8_t *)h + VMBUS_PAGE_SIZE;
    uint32_t w = h->write_index % size;
    for (uint16_t i = 0; i < len; i++)
        data[(w + i) % size] = in[i];
    in += len;
    in_left -= len;
    h->write_index = (uint32_t)((w + ((len + 7u) & ~7u)) % size);
    signal_channel(ch->relid);
}

/* 0xe8..0xee: channel byte, field byte, 4-byte value stored raw. */
static void deliver_index_rewrite(void)
{
    uint8_t pick, field;
    uint32_t v;
    take(&pick, 1);
    take(&field, 1);
    take(&v, 4);
    struct vmbus_channel *ch = open_channel(pick);
    if (ch == NULL)
        return;
    uint32_t size;
    struct vmbus_ring_header *h = ring_of(ch, field & 4, &size);
    switch (field & 3) {
    case 0: h->write_index = v; break;
    case 1: h->read_index = v; break;
    case 2: h->interrupt_mask = v; break;
    default: h->pending_send_sz = v; break;
    }
    signal_channel(ch->relid);
}

static bool poll_phase_over;
static bool message_delivered;  /* since the last vmbus_poll() */

static void deliver_next(void)
{
    if (in_left == 0)
        return;
    uint8_t k = *in++;
    in_left--;
    if (k >= 0xf0) {
        uint8_t idx;
        uint64_t bits;
        take(&idx, 1);
        take(&bits, 8);
        sief[idx % (VMBUS_EVENT_FLAGS_COUNT / 64)] |= bits;
        vmbus_on_events(sief);
        return;
    }
    if (k == 0xef) {
        poll_phase_over = true;
        return;
    }
    if (k >= 0xe8) {
        deliver_index_rewrite();
        return;
    }
    if (k >= 0xe0) {
        deliver_ring_bytes();
        return;
    }
    /* A message of k bytes (cut short at the end of the input). */
    size_t len = k;
    if (len > in_left)
        len = in_left;
    uint8_t *copy = malloc(len ? len : 1);  /* exact size: ASan sees overreads */
    memcpy(copy, in, len);
    in += len;
    in_left -= len;
    vmbus_on_message(copy, VMBUS_SYNIC_MESSAGE_TYPE, len);
    free(copy);
    message_delivered = true;
}

static uint64_t fz_post(uint32_t conn, uint32_t type, const void *p, size_t len)
{
    (void)type;
    (void)p;
    if (len > HV_MESSAGE_PAYLOAD_BYTES)
        __builtin_trap();  /* the stack must never post an oversized message */
    /* Let the input decide which contacts fail like QEMU's connection 4. */
    if (conn == VMBUS_MESSAGE_CONNECTION_ID_4 && in_left && (*in & 1))
        return HV_STATUS_INVALID_CONNECTION_ID;
    return HV_STATUS_SUCCESS;
}

static uint64_t fz_signal(uint32_t conn) { (void)conn; return 0; }
/* Page allocations stay listed until freed: the stack keeps pages the host
 * may still map (never freed, by design), and the harness returns those at
 * the end of each input so only real leaks reach LeakSanitizer. */
#define FZ_MAX_PAGE_ALLOCS 4096
static void *page_allocs[FZ_MAX_PAGE_ALLOCS];
static unsigned n_page_allocs;

static void *fz_alloc_pages(size_t n)
{
    if (n_page_allocs >= FZ_MAX_PAGE_ALLOCS)
        return NULL;
    void *p = aligned_alloc(VMBUS_PAGE_SIZE, n * VMBUS_PAGE_SIZE);
    if (p) {
        memset(p, 0, n * VMBUS_PAGE_SIZE);
        page_allocs[n_page_allocs++] = p;
    }
    return p;
}
static void fz_free_pages(void *p, size_t n)
{
    (void)n;
    for (unsigned i = n_page_allocs; p && i-- > 0;)
        if (page_allocs[i] == p) {
            page_allocs[i] = page_allocs[--n_page_allocs];
            free(p);
            return;
        }
    if (p)
        __builtin_trap();  /* freed twice, or never allocated */
}

/* After vmbus_disconnect: what is still allocated was kept on purpose,
 * except the connection pages a failed connect leaves for the next one. */
static void free_kept_pages(void)
{
    for (unsigned i = n_page_allocs; i-- > 0;)
        if (page_allocs[i] != vmbus_conn.pages) {
            free(page_allocs[i]);
            page_allocs[i] = page_allocs[--n_page_allocs];
        }
}
static void *fz_zalloc(size_t n) { return calloc(1, n); }
static void fz_free(void *p) { free(p); }
static uint64_t fz_v2p(const void *p) { return (uint64_t)(uintptr_t)p; }
static uint64_t fz_now(void) { return clock_ns; }
static void fz_pump(void)
{
    clock_ns += 1000000;
    deliver_next();
}
static uint32_t fz_vp(void) { return 0; }

static const struct vmbus_services fz_services = {
    .post_message = fz_post, .signal_event = fz_signal,
    .alloc_pages = fz_alloc_pages, .free_pages = fz_free_pages,
    .zalloc = fz_zalloc, .free = fz_free, .virt_to_phys = fz_v2p,
    .now_ns = fz_now, .pump = fz_pump, .current_vp = fz_vp,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        vmbus_set_services(&fz_services);
        vmbus_set_timeout_ns(8000000);  /* 8 pumps per wait */
        vmbus_set_unload_timeout_ns(8000000);
        hvutil_register_all();
        /* FUZZ_VERBOSE=1: every log line and trace, to see how far a seed gets. */
        if (getenv("FUZZ_VERBOSE")) {
            host_log_quiet = 0;
            trace_mask = ~0u;
        }
        once = 1;
    }
    in = data;
    in_left = size;
    memset(sief, 0, sizeof sief);
    poll_phase_over = false;
    if (vmbus_connect() == VMBUS_OK) {
        /* vmbus_poll() acts on what messages changed (rescinds, hot
         * offers); after ring and event items it has nothing new to do, and
         * its walk up to the high-water mark is most of an input's cost. */
        message_delivered = true;
        while (in_left && !poll_phase_over) {
            fz_pump();
            if (message_delivered) {
                message_delivered = false;
                vmbus_poll();
            }
        }
        vmbus_poll();
        char buf[64];
        vmbus_summary(buf, sizeof buf);
    }
    vmbus_disconnect();
    free_kept_pages();
    return 0;
}
