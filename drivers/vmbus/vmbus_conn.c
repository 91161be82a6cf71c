/* The VMBus connection: version negotiation (INITIATE_CONTACT newest first),
 * offers (REQUESTOFFERS .. ALLOFFERS_DELIVERED), UNLOAD, the deferred work
 * of vmbus_poll and the summary. Posting and waiting are the message layer
 * below it (vmbus_msg.c).
 *
 * The same code must reach a Hyper-V host (up to 5.3; 5.x contact on
 * connection id 4) and QEMU's vmbus-bridge (<= 4.0, handler on connection id
 * 1 only), without being told which: a 5.x contact that fails with
 * HV_STATUS_INVALID_CONNECTION_ID just means "try the next version". */
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"
#include "lib/array_size.h"
#include "lib/fmt.h"

struct vmbus_connection vmbus_conn;

/* Newest first. Versions before WIN8 need the shared interrupt page for
 * channel signalling and are not offered (see docs/vmbus.md). */
static const uint32_t vmbus_versions[] = {
    VMBUS_VERSION_WIN10_5_3, VMBUS_VERSION_WIN10_5_2, VMBUS_VERSION_WIN10_5_1,
    VMBUS_VERSION_WIN10_5_0, VMBUS_VERSION_WIN10_4_1, VMBUS_VERSION_WIN10,
    VMBUS_VERSION_WIN8_1,    VMBUS_VERSION_WIN8,
};

bool vmbus_connected(void) { return atomic_load(&vmbus_conn.state) == VMBUS_CONNECTED; }
uint32_t vmbus_version(void) { return vmbus_conn.version; }

static bool version_answered(void *arg)
{
    (void)arg;
    return atomic_load_explicit(&vmbus_conn.version_answer, memory_order_acquire) != 0;
}

static bool alloffers_seen(void *arg)
{
    (void)arg;
    return atomic_load_explicit(&vmbus_conn.alloffers, memory_order_acquire);
}

static bool unload_answered(void *arg)
{
    (void)arg;
    return atomic_load_explicit(&vmbus_conn.unload_done, memory_order_acquire);
}

/* One INITIATE_CONTACT. Returns 1 when accepted, 0 when this version is not
 * supported (try the next), negative on failure. */
static int try_version(uint32_t version)
{
    struct vmbus_msg_initiate_contact m;
    memset(&m, 0, sizeof m);
    m.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
    m.version_requested = version;
    m.target_vcpu = vmbus_services()->current_vp();
    uint32_t conn_id = VMBUS_MESSAGE_CONNECTION_ID;
    if (VMBUS_VERSION_USES_CONN_ID_4(version)) {
        m.u.v5.msg_sint = VMBUS_MESSAGE_SINT;
        m.u.v5.msg_vtl = 0;
        conn_id = VMBUS_MESSAGE_CONNECTION_ID_4;
    } else {
        m.u.interrupt_page = vmbus_services()->virt_to_phys(vmbus_conn.pages);
    }
    uint8_t *pages = vmbus_conn.pages;
    m.monitor_page1 = vmbus_services()->virt_to_phys(pages + VMBUS_PAGE_SIZE);
    m.monitor_page2 = vmbus_services()->virt_to_phys(pages + 2 * VMBUS_PAGE_SIZE);

    atomic_store(&vmbus_conn.version_answer, 0);
    tracef(TRACE_VMBUS, "vmbus", "INITIATE_CONTACT %u.%u on connection %u",
           VMBUS_VERSION_MAJOR(version), VMBUS_VERSION_MINOR(version), conn_id);
    uint64_t st = vmbus_post_raw(conn_id, &m, sizeof m);
    if (st == HV_STATUS_INVALID_CONNECTION_ID) {
        /* Pre-5.0 hosts (QEMU) have no handler on connection 4. */
        tracef(TRACE_VMBUS, "vmbus", "connection %u unknown to host: %u.%u not "
               "supported", conn_id, VMBUS_VERSION_MAJOR(version),
               VMBUS_VERSION_MINOR(version));
        return 0;
    }
    if (st != HV_STATUS_SUCCESS) {
        log_err("vmbus", "INITIATE_CONTACT %u.%u: post failed, HV status 0x%llx",
                VMBUS_VERSION_MAJOR(version), VMBUS_VERSION_MINOR(version),
                (unsigned long long)st);
        return VMBUS_EHV;
    }
    int rc = vmbus_wait(version_answered, NULL, "VERSION_RESPONSE to INITIATE_CONTACT");
    if (rc) {
        log_err("vmbus", "INITIATE_CONTACT %u.%u on connection %u got no answer",
                VMBUS_VERSION_MAJOR(version), VMBUS_VERSION_MINOR(version), conn_id);
        return rc;
    }
    if (atomic_load(&vmbus_conn.version_answer) != 1) {
        tracef(TRACE_VMBUS, "vmbus", "host refused version %u.%u",
               VMBUS_VERSION_MAJOR(version), VMBUS_VERSION_MINOR(version));
        return 0;
    }
    vmbus_conn.version = version;
    vmbus_conn.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
    if (VMBUS_VERSION_USES_CONN_ID_4(version)) {
        vmbus_conn.msg_conn_id = vmbus_conn.version_conn_id;
        if (vmbus_conn.msg_conn_id == 0) {
            log_warn("vmbus", "VERSION_RESPONSE gave connection id 0; using 4");
            vmbus_conn.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID_4;
        }
    }
    return 1;
}

/* Free every channel without messages (the host has forgotten them, or
 * never finished offering them). */
static void free_all_channels(void)
{
    uint32_t hwm = vmbus_relid_hwm();
    for (uint32_t relid = 1; relid <= hwm && relid < VMBUS_MAX_RELIDS; relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (ch) {
            vmbus_chantable_remove(relid);
            vmbus_channel_free(ch);
        }
    }
    vmbus_chantable_reset();
}

static void connection_reset(void)
{
    struct vmbus_connection fresh = { 0 };
    fresh.next_gpadl = 0xe1e10;  /* any non-zero start; Linux uses this one */
    fresh.pages = vmbus_conn.pages;
    vmbus_conn = fresh;
}

int vmbus_connect(void)
{
    if (vmbus_services() == NULL) {
        log_err("vmbus", "no services installed (vmbus_set_services)");
        return VMBUS_EINVAL;
    }
    if (atomic_load(&vmbus_conn.state) != VMBUS_DISCONNECTED)
        return VMBUS_EBUSY;
    connection_reset();
    vmbus_chantable_reset();
    vmbus_chanmsg_reset();
    if (vmbus_conn.pages == NULL)
        vmbus_conn.pages = vmbus_services()->alloc_pages(3);
    if (vmbus_conn.pages == NULL)
        return VMBUS_ENOMEM;

    atomic_store(&vmbus_conn.state, VMBUS_CONTACTING);
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(vmbus_versions); i++) {
        rc = try_version(vmbus_versions[i]);
        if (rc != 0)
            break;
    }
    if (rc <= 0) {
        if (rc == 0)
            log_err("vmbus", "INITIATE_CONTACT: host accepted no version from "
                    "5.3 down to 2.4");
        atomic_store(&vmbus_conn.state, VMBUS_DISCONNECTED);
        return rc ? rc : VMBUS_EPROTO;
    }
    vmbus_conn.contacted = true;
    log_info("vmbus", "connected: version %u.%u, message connection id %u",
             VMBUS_VERSION_MAJOR(vmbus_conn.version),
             VMBUS_VERSION_MINOR(vmbus_conn.version), vmbus_conn.msg_conn_id);

    atomic_store(&vmbus_conn.state, VMBUS_REQUESTING_OFFERS);
    struct vmbus_msg_header req = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
    rc = vmbus_post(&req, sizeof req, "REQUESTOFFERS");
    if (rc == 0)
        rc = vmbus_wait(alloffers_seen, NULL, "ALLOFFERS_DELIVERED after REQUESTOFFERS");
    if (rc) {
        /* Leave the offer phase first: an offer arriving while the table is
         * emptied would otherwise be entered after the sweep and leaked. */
        atomic_store(&vmbus_conn.state, VMBUS_DISCONNECTED);
        free_all_channels();
        return rc;
    }
    atomic_store(&vmbus_conn.state, VMBUS_CONNECTED);
    tracef(TRACE_VMBUS, "vmbus", "all offers delivered: %u channels, hwm %u",
           vmbus_channel_count(), vmbus_relid_hwm());
    vmbus_poll();
    return VMBUS_OK;
}

void vmbus_poll(void)
{
    if (atomic_load(&vmbus_conn.state) != VMBUS_CONNECTED)
        return;
    vmbus_driver_probe_pending();
}

void vmbus_disconnect(void)
{
    int state = atomic_load(&vmbus_conn.state);
    if (state == VMBUS_DISCONNECTED)
        return;
    if (state == VMBUS_CONNECTED) {
        uint32_t hwm = vmbus_relid_hwm();
        for (uint32_t relid = 1; relid <= hwm; relid++) {
            struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
            if (ch)
                vmbus_driver_remove_channel(ch);
        }
    }
    atomic_store(&vmbus_conn.state, VMBUS_UNLOADING);
    bool unloaded = false;
    if (VMBUS_VERSION_HAS_UNLOAD(vmbus_conn.version)) {
        struct vmbus_msg_header m = { .msgtype = VMBUS_MSG_UNLOAD };
        atomic_store(&vmbus_conn.unload_done, false);
        if (vmbus_post(&m, sizeof m, "UNLOAD") == 0)
            unloaded = vmbus_wait_unload(unload_answered, NULL, "UNLOAD_RESPONSE") == 0;
    }
    /* Channel rings whose teardown went unanswered were already kept by
     * close (vmbus_channel.c); what remains may be freed. */
    free_all_channels();
    /* The host was given the interrupt and monitor pages at contact. Only an
     * UNLOAD_RESPONSE says it let go of them; without one they stay lent. */
    if (vmbus_conn.pages && vmbus_conn.contacted && !unloaded)
        vmbus_keep_pages(vmbus_conn.pages, 3, "no UNLOAD_RESPONSE for the "
                         "interrupt and monitor pages");
    else if (vmbus_conn.pages)
        vmbus_services()->free_pages(vmbus_conn.pages, 3);
    vmbus_conn.pages = NULL;
    connection_reset();
    atomic_store(&vmbus_conn.state, VMBUS_DISCONNECTED);
}

void vmbus_summary(char *buf, size_t n)
{
    size_t at = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
    at = fmt_str(buf, n, at, "vmbus=");
    if (vmbus_connected()) {
        at = fmt_uint(buf, n, at, VMBUS_VERSION_MAJOR(vmbus_conn.version));
        at = fmt_str(buf, n, at, ".");
        at = fmt_uint(buf, n, at, VMBUS_VERSION_MINOR(vmbus_conn.version));
    } else {
        at = fmt_str(buf, n, at, "none");
    }
    at = fmt_str(buf, n, at, " offers=");
    at = fmt_uint(buf, n, at, vmbus_conn.offers_accepted);
    at = fmt_str(buf, n, at, " hwm=");
    fmt_uint(buf, n, at, vmbus_relid_hwm());
}
