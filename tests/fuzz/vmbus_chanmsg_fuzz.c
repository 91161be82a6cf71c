/* libFuzzer target: the whole guest control path driven by host messages.
 * The fuzz input is the host: every pump() of the services delivers the next
 * item of the input -- a channel message of any length and content, or a
 * SIEF word -- to vmbus_on_message()/vmbus_on_events(). vmbus_connect()
 * runs against it (version negotiation, offers, driver probe of the IC
 * drivers with GPADL/OPENCHANNEL waits), then vmbus_poll() for rescinds and
 * hot offers, then vmbus_disconnect(). Every wait is bounded by a fake
 * clock, so no input can hang it; ASan/UBSan catch the rest, and leaks show
 * up because everything must be freed by the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "drivers/hvutil/hvutil.h"

static const uint8_t *in;
static size_t in_left;
static uint64_t clock_ns;
static uint64_t sief[VMBUS_EVENT_FLAGS_COUNT / 64];

void hvutil_hook_shutdown(void) {}
void hvutil_hook_set_wall_clock(uint64_t ns, int sync) { (void)ns; (void)sync; }
bool hvutil_hook_ref_time_100ns(uint64_t *now) { *now = 0; return false; }

static void deliver_next(void)
{
    if (in_left == 0)
        return;
    uint8_t k = *in++;
    in_left--;
    if (k >= 0xf0) {
        /* An event word: index, then up to 8 bytes of bits. */
        uint64_t bits = 0;
        unsigned idx = (in_left ? *in++ : 0) % (VMBUS_EVENT_FLAGS_COUNT / 64);
        if (in_left)
            in_left--;
        size_t n = in_left < 8 ? in_left : 8;
        memcpy(&bits, in, n);
        in += n;
        in_left -= n;
        sief[idx] |= bits;
        vmbus_on_events(sief);
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
        once = 1;
    }
    in = data;
    in_left = size;
    memset(sief, 0, sizeof sief);
    if (vmbus_connect() == VMBUS_OK) {
        while (in_left) {
            fz_pump();
            vmbus_poll();
        }
        char buf[64];
        vmbus_summary(buf, sizeof buf);
    }
    vmbus_disconnect();
    free_kept_pages();
    return 0;
}
