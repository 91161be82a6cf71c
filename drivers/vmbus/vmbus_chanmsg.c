/* vmbus_on_message(): the host's channel messages, one at a time, in the
 * SynIC handler's context. Nothing here waits or sends: answers are stored
 * for the process-context waiter (vmbus_wait slots), offers are entered in
 * the channel table, rescinds are flagged for vmbus_poll(). Every length and
 * field is checked against the message's minimum size first; the host's
 * bytes are copied to an aligned, zero-filled local before they are read. */
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"
#include "lib/refuse.h"

static struct refusals bad_messages;

void vmbus_chanmsg_reset(void) { bad_messages.count = 0; }
unsigned long vmbus_refused_messages(void) { return (unsigned long)refusals_seen(&bad_messages); }

/* Smallest payload we accept per host->guest type (0 = not host->guest). */
static size_t min_len(uint32_t type)
{
    switch (type) {
    case VMBUS_MSG_OFFERCHANNEL:           return sizeof(struct vmbus_msg_offer_channel);
    case VMBUS_MSG_RESCIND_CHANNELOFFER:   return sizeof(struct vmbus_msg_relid);
    case VMBUS_MSG_ALLOFFERS_DELIVERED:    return sizeof(struct vmbus_msg_header);
    case VMBUS_MSG_OPENCHANNEL_RESULT:     return sizeof(struct vmbus_msg_open_result);
    case VMBUS_MSG_GPADL_CREATED:          return sizeof(struct vmbus_msg_gpadl_created);
    case VMBUS_MSG_GPADL_TORNDOWN:         return sizeof(struct vmbus_msg_gpadl_torndown);
    case VMBUS_MSG_VERSION_RESPONSE:       return VMBUS_VERSION_RESPONSE_MIN_LEN;
    case VMBUS_MSG_UNLOAD_RESPONSE:        return sizeof(struct vmbus_msg_header);
    case VMBUS_MSG_MODIFYCHANNEL_RESPONSE: return sizeof(struct vmbus_msg_modify_channel_response);
    default:                               return 0;
    }
}

static void complete_slot(struct vmbus_wait_slot *s, uint32_t status)
{
    s->status = status;
    s->armed = false;
    atomic_store_explicit(&s->done, 1, memory_order_release);
}

static void on_version_response(const struct vmbus_msg_version_response *m)
{
    if (atomic_load(&vmbus_conn.state) != VMBUS_CONTACTING ||
        atomic_load(&vmbus_conn.version_answer) != 0) {
        log_warn("vmbus", "unexpected VERSION_RESPONSE ignored");
        return;
    }
    vmbus_conn.version_conn_id = m->msg_conn_id;
    /* From WIN8 on, connection_state != 0 is a failure even with
     * version_supported set (mu_msvm VmbusRootInitiateContact and OpenVMM
     * send_version_response do this; Linux ignores the field). Every version
     * we offer is WIN8 or newer. */
    bool ok = m->version_supported && m->connection_state == VMBUS_CONNECTION_STATE_OK;
    if (m->version_supported && !ok)
        log_warn("vmbus", "VERSION_RESPONSE: version supported but connection state %u "
                 "(failed); trying an older version", m->connection_state);
    atomic_store_explicit(&vmbus_conn.version_answer, ok ? 1 : 2, memory_order_release);
}

static void on_offer(const struct vmbus_msg_offer_channel *m)
{
    int state = atomic_load(&vmbus_conn.state);
    if (state != VMBUS_REQUESTING_OFFERS && state != VMBUS_CONNECTED) {
        log_warn("vmbus", "offer for relid %u outside the offer phase ignored",
                 m->child_relid);
        return;
    }
    uint32_t relid = m->child_relid;
    /* Refuse before allocating; insert re-checks atomically. */
    if (relid == 0 || relid >= VMBUS_MAX_RELIDS || vmbus_relid_to_channel(relid)) {
        vmbus_conn.offers_refused++;
        if (relid == 0 || relid >= VMBUS_MAX_RELIDS)
            log_err("vmbus", "offer refused: relid %u outside 1..%u", relid,
                    VMBUS_MAX_RELIDS - 1);
        else
            log_err("vmbus", "offer refused: relid %u already in use", relid);
        return;
    }
    struct vmbus_channel *ch = vmbus_services()->zalloc(sizeof *ch);
    if (ch == NULL) {
        vmbus_conn.offers_refused++;
        log_err("vmbus", "offer for relid %u dropped: out of memory", relid);
        return;
    }
    ch->relid = relid;
    ch->signal_conn_id = m->connection_id;
    ch->class_id = m->offer.if_type;
    ch->instance_id = m->offer.if_instance;
    ch->chn_flags = m->offer.chn_flags;
    ch->sub_channel_index = m->offer.sub_channel_index;
    ch->monitor_id = m->monitorid;
    ch->monitor_allocated = m->monitor_allocated & 1;
    ch->dedicated_interrupt = m->is_dedicated_interrupt & 1;
    if (vmbus_chantable_insert(ch) != VMBUS_OK) {
        vmbus_conn.offers_refused++;
        vmbus_services()->free(ch);
        return;
    }
    vmbus_conn.offers_accepted++;
    const uint8_t *g = ch->class_id.b;
    tracef(TRACE_VMBUS, "vmbus", "offer relid %u conn %u class %02x%02x%02x%02x-"
           "%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x sub %u",
           relid, ch->signal_conn_id, g[3], g[2], g[1], g[0], g[5], g[4], g[7],
           g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15],
           ch->sub_channel_index);
}

static void on_rescind(const struct vmbus_msg_relid *m)
{
    struct vmbus_channel *ch = vmbus_relid_to_channel(m->child_relid);
    if (ch == NULL) {
        log_warn("vmbus", "rescind for unknown relid %u ignored", m->child_relid);
        return;
    }
    tracef(TRACE_VMBUS, "vmbus", "rescind relid %u", m->child_relid);
    atomic_store_explicit(&ch->rescinded, true, memory_order_release);
    /* A waiter for this channel would otherwise wait for an answer that
     * will never come. */
    struct vmbus_wait_slot *slots[] = { &vmbus_conn.gpadl_created,
                                        &vmbus_conn.open_result,
                                        &vmbus_conn.modify_response };
    for (unsigned i = 0; i < 3; i++)
        if (slots[i]->armed && slots[i]->key1 == ch->relid)
            complete_slot(slots[i], 0xffffffffu);
    /* GPADL_TORNDOWN is keyed (gpadl, relid): Linux vmbus_rescind_cleanup
     * wakes a teardown waiter of this channel as well. */
    if (vmbus_conn.gpadl_torndown.armed && vmbus_conn.gpadl_torndown.key2 == ch->relid)
        complete_slot(&vmbus_conn.gpadl_torndown, 0xffffffffu);
}

static void on_answer(struct vmbus_wait_slot *s, const char *what, bool match,
                      uint32_t status)
{
    if (!s->armed || !match) {
        log_warn("vmbus", "unexpected %s ignored", what);
        return;
    }
    complete_slot(s, status);
}

void vmbus_on_message(const void *payload, uint32_t msg_type, size_t len)
{
    union {
        uint8_t bytes[VMBUS_MAX_MESSAGE_SIZE];
        uint64_t align;
        struct vmbus_msg_header hdr;
        struct vmbus_msg_version_response version;
        struct vmbus_msg_offer_channel offer;
        struct vmbus_msg_relid relid;
        struct vmbus_msg_gpadl_created gpadl_created;
        struct vmbus_msg_gpadl_torndown gpadl_torndown;
        struct vmbus_msg_open_result open_result;
        struct vmbus_msg_modify_channel_response modify;
    } m;
    /* Only SynIC messages of the VMBus type carry channel messages (TLFS
     * message types; Linux vmbus_on_msg_dpc checks the same). */
    if (msg_type != VMBUS_SYNIC_MESSAGE_TYPE) {
        REFUSE(&bad_messages, "vmbus", "SynIC message type 0x%x is not VMBus's (%u)",
               msg_type, VMBUS_SYNIC_MESSAGE_TYPE);
        return;
    }
    if (payload == NULL || len < sizeof m.hdr || len > sizeof m.bytes) {
        REFUSE(&bad_messages, "vmbus", "channel message of %u bytes", (unsigned)len);
        return;
    }
    memset(&m, 0, sizeof m);
    memcpy(m.bytes, payload, len);
    uint32_t type = m.hdr.msgtype;
    size_t need = min_len(type);
    if (need == 0 || len < need) {
        REFUSE(&bad_messages, "vmbus", "channel message type %u of %u bytes (need %u)",
               type, (unsigned)len, (unsigned)need);
        return;
    }
    tracef(TRACE_VMBUS, "vmbus", "message type %u, %u bytes", type, (unsigned)len);

    struct vmbus_connection *c = &vmbus_conn;
    switch (type) {
    case VMBUS_MSG_VERSION_RESPONSE:
        on_version_response(&m.version);
        break;
    case VMBUS_MSG_OFFERCHANNEL:
        on_offer(&m.offer);
        break;
    case VMBUS_MSG_RESCIND_CHANNELOFFER:
        on_rescind(&m.relid);
        break;
    case VMBUS_MSG_ALLOFFERS_DELIVERED:
        if (atomic_load(&c->state) == VMBUS_REQUESTING_OFFERS)
            atomic_store_explicit(&c->alloffers, true, memory_order_release);
        else
            log_warn("vmbus", "unexpected ALLOFFERS_DELIVERED ignored");
        break;
    case VMBUS_MSG_GPADL_CREATED:
        on_answer(&c->gpadl_created, "GPADL_CREATED",
                  c->gpadl_created.key1 == m.gpadl_created.child_relid &&
                  c->gpadl_created.key2 == m.gpadl_created.gpadl,
                  m.gpadl_created.creation_status);
        break;
    case VMBUS_MSG_GPADL_TORNDOWN:
        on_answer(&c->gpadl_torndown, "GPADL_TORNDOWN",
                  c->gpadl_torndown.key1 == m.gpadl_torndown.gpadl, 0);
        break;
    case VMBUS_MSG_OPENCHANNEL_RESULT:
        on_answer(&c->open_result, "OPENCHANNEL_RESULT",
                  c->open_result.key1 == m.open_result.child_relid &&
                  c->open_result.key2 == m.open_result.openid,
                  m.open_result.status);
        break;
    case VMBUS_MSG_MODIFYCHANNEL_RESPONSE:
        on_answer(&c->modify_response, "MODIFYCHANNEL_RESPONSE",
                  c->modify_response.key1 == m.modify.child_relid, m.modify.status);
        break;
    case VMBUS_MSG_UNLOAD_RESPONSE:
        if (atomic_load(&c->state) == VMBUS_UNLOADING)
            atomic_store_explicit(&c->unload_done, true, memory_order_release);
        else
            log_warn("vmbus", "unexpected UNLOAD_RESPONSE ignored");
        break;
    }
}
