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
#include "lib/array_size.h"

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

/* The answers a process-context waiter sleeps on: its slot in vmbus_conn,
 * and where in the message are the keys it was armed with (key2 0: not
 * compared) and the status (0: none, the answer is a success). Offsets and
 * names inline: a table without relocations. */
#define SLOT(name) offsetof(struct vmbus_connection, name)
#define AT(msg, field) offsetof(struct vmbus_msg_##msg, field)
static const struct answer {
    uint8_t type, slot, key1, key2, status;
    char what[23];
} answers[] = {
    { VMBUS_MSG_GPADL_CREATED, SLOT(gpadl_created), AT(gpadl_created, child_relid),
      AT(gpadl_created, gpadl), AT(gpadl_created, creation_status), "GPADL_CREATED" },
    { VMBUS_MSG_GPADL_TORNDOWN, SLOT(gpadl_torndown), AT(gpadl_torndown, gpadl), 0, 0,
      "GPADL_TORNDOWN" },
    { VMBUS_MSG_OPENCHANNEL_RESULT, SLOT(open_result), AT(open_result, child_relid),
      AT(open_result, openid), AT(open_result, status), "OPENCHANNEL_RESULT" },
    { VMBUS_MSG_MODIFYCHANNEL_RESPONSE, SLOT(modify_response),
      AT(modify_channel_response, child_relid), 0, AT(modify_channel_response, status),
      "MODIFYCHANNEL_RESPONSE" },
};
#undef AT
#undef SLOT

static struct vmbus_wait_slot *answer_slot(const struct answer *a)
{
    return (struct vmbus_wait_slot *)((char *)&vmbus_conn + a->slot);
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
     * will never come. GPADL_TORNDOWN is keyed (gpadl, relid): Linux
     * vmbus_rescind_cleanup wakes a teardown waiter of this channel as well. */
    for (size_t i = 0; i < ARRAY_SIZE(answers); i++) {
        struct vmbus_wait_slot *s = answer_slot(&answers[i]);
        uint32_t relid = answers[i].type == VMBUS_MSG_GPADL_TORNDOWN ? s->key2 : s->key1;
        if (s->armed && relid == ch->relid)
            complete_slot(s, 0xffffffffu);
    }
}

static uint32_t u32_at(const uint8_t *m, size_t off)
{
    uint32_t v;
    memcpy(&v, m + off, sizeof v);
    return v;
}

static void on_answer(const struct answer *a, const uint8_t *m)
{
    struct vmbus_wait_slot *s = answer_slot(a);
    if (!s->armed || s->key1 != u32_at(m, a->key1) || (a->key2 && s->key2 != u32_at(m, a->key2))) {
        log_warn("vmbus", "unexpected %s ignored", a->what);
        return;
    }
    complete_slot(s, a->status ? u32_at(m, a->status) : 0);
}

/* An answer that only sets a flag, in the one state that expects it. */
static void on_flag(atomic_bool *flag, int state, const char *what)
{
    if (atomic_load(&vmbus_conn.state) == state)
        atomic_store_explicit(flag, true, memory_order_release);
    else
        log_warn("vmbus", "unexpected %s ignored", what);
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
        on_flag(&c->alloffers, VMBUS_REQUESTING_OFFERS, "ALLOFFERS_DELIVERED");
        break;
    case VMBUS_MSG_UNLOAD_RESPONSE:
        on_flag(&c->unload_done, VMBUS_UNLOADING, "UNLOAD_RESPONSE");
        break;
    default:   /* an answer (min_len let no other type through) */
        for (size_t i = 0; i < ARRAY_SIZE(answers); i++)
            if (answers[i].type == type)
                on_answer(&answers[i], m.bytes);
        break;
    }
}
