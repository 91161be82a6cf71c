/* Shared machinery of the IC drivers: the channel callback that drains the
 * inbound ring, the IC header checks, version negotiation, and the reply. */
#ifndef SINTER_HVUTIL_IC_COMMON_H
#define SINTER_HVUTIL_IC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/hyperv/ic_proto.h"
#include "drivers/vmbus/vmbus.h"
#include "lib/array_size.h"
#include "lib/refuse.h"

#define IC_RING_BYTES  (4 * VMBUS_PAGE_SIZE)  /* per direction, as Linux util */
#define IC_PACKET_MAX  (4 * VMBUS_PAGE_SIZE)

struct ic_service;

struct ic_channel_state {
    struct ic_service *svc;
    struct vmbus_channel *ch;
    struct ic_version fw;          /* negotiated framework version */
    struct ic_version msg;         /* negotiated service version */
    bool negotiated;
    unsigned long handled;         /* service messages answered */
    struct refusals refused;       /* malformed packets: counted, logged, not acted on */
    uint8_t buf[IC_PACKET_MAX];
};

struct ic_service {
    struct vmbus_driver drv;
    uint16_t msgtype;              /* IC_MSGTYPE_* this service answers */
    const struct ic_version *fw_versions;  /* our preference order */
    unsigned n_fw;
    const struct ic_version *msg_versions;
    unsigned n_msg;
    /* Handle a service message body in place; return the IC status. */
    uint32_t (*handle)(struct ic_channel_state *st, uint8_t *body, size_t len);
    /* Called after the reply went out (e.g. shutdown acts only then). */
    void (*after_reply)(struct ic_channel_state *st);
};

extern struct ic_service ic_heartbeat_service;
extern struct ic_service ic_shutdown_service;
extern struct ic_service ic_timesync_service;

/* Framework versions all services offer (Linux: 3.0, 1.0). */
#define IC_FW_VERSION_COUNT 2
extern const struct ic_version ic_fw_versions[IC_FW_VERSION_COUNT];

int ic_probe(struct vmbus_channel *ch);
void ic_remove(struct vmbus_channel *ch);

/* An IC service's definition: its VMBus driver (bound by ic_probe, unbound
 * by ic_remove), the IC message type it answers, the framework versions all
 * services offer, its own service versions (an array, our preference
 * first), its handler and its after_reply hook (NULL for none). */
#define IC_SERVICE(name_, class_id_, msgtype_, msg_versions_, handle_, after_reply_)     \
    {                                                                                   \
        .drv = { .name = (name_), .class_id = class_id_, .probe = ic_probe,            \
                 .remove = ic_remove },                                                 \
        .msgtype = (msgtype_),                                                          \
        .fw_versions = ic_fw_versions, .n_fw = ARRAY_SIZE(ic_fw_versions),              \
        .msg_versions = (msg_versions_), .n_msg = ARRAY_SIZE(msg_versions_),            \
        .handle = (handle_), .after_reply = (after_reply_),                             \
    }

/* Negotiate in place (exposed for tests): on success writes one framework
 * and one message version and returns true. */
bool ic_negotiate(uint8_t *ic_payload, size_t len, size_t cap,
                  const struct ic_version *fw, unsigned n_fw,
                  const struct ic_version *msg, unsigned n_msg,
                  struct ic_version *fw_out, struct ic_version *msg_out,
                  size_t *reply_len);

/* Process one IC payload (pipe header onwards) in place; returns the reply
 * length, 0 for no reply. Exposed for tests and the fuzzer. */
size_t ic_handle_payload(struct ic_channel_state *st, uint8_t *p, size_t len,
                         size_t cap);

#endif
