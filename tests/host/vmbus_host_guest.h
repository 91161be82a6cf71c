/* A minimal scripted guest for the VMBus host model's tests: it owns fake
 * guest RAM, enables the SynIC through hvsim's MSRs, posts raw channel
 * messages with the real HvPostMessage hypercall path, signals with
 * HvSignalEvent, and reads what the host delivers to its SINT2 slot and
 * SIEF page. Rings are driven with the shared vmbus_ring code. */
#ifndef SINTER_TESTS_VMBUS_HOST_GUEST_H
#define SINTER_TESTS_VMBUS_HOST_GUEST_H
#include <stdbool.h>
#include <stdint.h>
#include "drivers/hvsim/vmbus_host.h"
#include "drivers/vmbus/vmbus_ring.h"

struct fg_msg {
    uint32_t type, len;
    uint8_t data[240];
};

struct fg_chan {
    uint32_t relid, conn_id, gpadl;
    uint8_t *mem;
    uint32_t send_pages, recv_pages;
    struct vmbus_ring out, in;   /* guest produces out, consumes in */
};

/* hvsim.dm for the next fg_boot (NULL: the default, no DM device). */
extern const char *fg_dm;
/* Boot hvsim (nr_vps) + the host with these hvsim.* options. 0 or -1. */
int fg_boot(unsigned nr_vps, const char *host, const char *channels,
            const char *relids, const char *faults);
void *fg_alloc(unsigned pages);           /* zeroed guest RAM, gpa == pointer */
uint64_t fg_gpa(const void *p);

uint16_t fg_post(uint32_t conn, const void *msg, uint32_t len);
uint16_t fg_signal(uint32_t conn);
/* Next message from VP vp's SINT2 slot (EOM when pending); polls the host
 * up to `polls` times when the slot is empty. true if one was read. */
bool fg_recv_vp(unsigned vp, struct fg_msg *m, unsigned polls);
bool fg_recv(struct fg_msg *m);           /* VP0, 4 polls */
/* Read messages until one of `type` (others are kept in fg_log). */
bool fg_wait(uint32_t type, struct fg_msg *m);
extern struct fg_msg fg_log[64];
extern struct fg_msg fg_last;             /* the last message fg_wait found */
extern unsigned fg_nlog;

/* Test-and-clear SIEF SINT2 bit of VP vp. */
bool fg_event(unsigned vp, uint32_t bit);
unsigned fg_injections(void);

/* Protocol helpers. */
uint16_t fg_contact(uint32_t version, uint32_t conn, struct fg_msg *resp);
uint32_t fg_negotiate(void);                /* Linux order, returns version or 0 */
/* REQUESTOFFERS; fills relids/conn ids/classes of the offers (max n). */
unsigned fg_offers(uint32_t *relids, uint32_t *conns, struct vmbus_guid *classes, unsigned n);
/* GPADL over mem; returns the creation status, or 0xffffffff if no answer. */
uint32_t fg_gpadl(uint32_t relid, uint32_t handle, void *mem, unsigned pages);
/* GPADL + OPENCHANNEL for a ring pair; returns the open status. */
uint32_t fg_open(struct fg_chan *ch, uint32_t relid, uint32_t conn,
                 unsigned send_pages, unsigned recv_pages, uint32_t target_vp);

#endif
