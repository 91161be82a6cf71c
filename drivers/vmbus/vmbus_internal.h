/* State shared between the files of drivers/vmbus; not for drivers. */
#ifndef SINTER_VMBUS_INTERNAL_H
#define SINTER_VMBUS_INTERNAL_H

#include "drivers/vmbus/vmbus.h"

/* Waits of process context for the message handler. The control path does
 * one operation at a time, so one slot per kind of answer is enough. */
struct vmbus_wait_slot {
    atomic_int done;
    uint32_t key1;        /* relid, or gpadl for TORNDOWN */
    uint32_t key2;        /* gpadl / openid */
    uint32_t status;
    atomic_bool armed;    /* an answer is expected */
};

struct vmbus_connection {
    atomic_int state;                 /* enum vmbus_conn_state */
    uint32_t version;
    uint32_t msg_conn_id;
    /* VERSION_RESPONSE */
    atomic_int version_answer;        /* 0 none, 1 supported, 2 refused */
    uint32_t version_conn_id;
    atomic_bool alloffers;
    atomic_bool unload_done;
    void *pages;                      /* interrupt page + 2 monitor pages */
    bool contacted;                   /* the host accepted a version (has the pages) */
    unsigned offers_accepted;         /* ever accepted since connect */
    unsigned offers_refused;
    uint32_t next_gpadl;
    struct vmbus_wait_slot gpadl_created;
    struct vmbus_wait_slot gpadl_torndown;
    struct vmbus_wait_slot open_result;
    struct vmbus_wait_slot modify_response;
};

enum vmbus_conn_state {
    VMBUS_DISCONNECTED = 0,
    VMBUS_CONTACTING,
    VMBUS_REQUESTING_OFFERS,
    VMBUS_CONNECTED,
    VMBUS_UNLOADING,
};

extern struct vmbus_connection vmbus_conn;

/* vmbus_msg.c: the message layer */
/* Post a channel message on the negotiated connection id, retrying a full
 * host queue (INSUFFICIENT_BUFFERS, INSUFFICIENT_MEMORY) and a transient
 * INVALID_CONNECTION_ID for a bounded time. */
int vmbus_post(const void *msg, size_t len, const char *what);
/* One HvPostMessage on conn_id, no retry; the HV status. */
uint64_t vmbus_post_raw(uint32_t conn_id, const void *msg, size_t len);
/* Poll cond(arg) with pump() until true or the timeout; logs the step. */
int vmbus_wait(bool (*cond)(void *arg), void *arg, const char *step);
/* The same with UNLOAD's longer bound. */
int vmbus_wait_unload(bool (*cond)(void *arg), void *arg, const char *step);
bool vmbus_slot_done(void *slot);
void vmbus_slot_arm(struct vmbus_wait_slot *s, uint32_t key1, uint32_t key2);

/* vmbus_chantable.c */
/* The table itself and the SIEF words to scan (hwm / 64 + 1, 0 before any
 * offer), read inline by the interrupt path (vmbus_sief_scan.c); written
 * only by the functions below. */
extern struct vmbus_channel *_Atomic vmbus_chantable[VMBUS_MAX_RELIDS];
extern atomic_uint vmbus_chantable_words;
int vmbus_chantable_insert(struct vmbus_channel *ch);   /* refuses bad/dup relid */
void vmbus_chantable_remove(uint32_t relid);
void vmbus_chantable_reset(void);                       /* also lowers hwm to 0 */

/* vmbus_channel.c */
/* Pages the host may still map: counted, logged, never freed. */
void vmbus_keep_pages(void *mem, size_t pages, const char *why);
void vmbus_channel_free(struct vmbus_channel *ch);
void vmbus_channel_release(struct vmbus_channel *ch);   /* RELID_RELEASED + free */

/* vmbus_driver.c */
void vmbus_driver_probe_pending(void);
void vmbus_driver_remove_channel(struct vmbus_channel *ch);

/* vmbus_chanmsg.c: offers are built there */
void vmbus_chanmsg_reset(void);

#endif
