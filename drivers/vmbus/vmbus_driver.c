/* Drivers: offers are matched by class GUID to registered drivers; probe
 * and remove run in process context (vmbus_poll), never in the interrupt
 * that delivered the offer or rescind, because they send messages and wait. */
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"

static struct vmbus_driver *drivers;
static unsigned registry_gen = 1;  /* channels start at probe_gen 0: never tried */

bool vmbus_guid_equal(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

void vmbus_driver_register(struct vmbus_driver *drv)
{
    for (struct vmbus_driver *d = drivers; d; d = d->next)
        if (d == drv)
            return;
    drv->next = drivers;
    drivers = drv;
    registry_gen++;
    vmbus_poll();
}

int vmbus_driver_open(struct vmbus_channel *ch, void *state, size_t ring_bytes,
                      vmbus_channel_cb cb)
{
    ch->driver_data = state;
    int rc = vmbus_channel_open(ch, ring_bytes, ring_bytes, cb, state);
    if (rc) {
        ch->driver_data = NULL;
        vmbus_services()->free(state);
    }
    return rc;
}

void vmbus_driver_remove_channel(struct vmbus_channel *ch)
{
    struct vmbus_driver *drv = ch->driver;
    if (drv) {
        tracef(TRACE_VMBUS, "vmbus", "relid %u: remove %s", ch->relid, drv->name);
        if (drv->remove)
            drv->remove(ch);
        ch->driver = NULL;
        ch->driver_data = NULL;
    }
    /* A driver that forgot to close must not leave the host writing. */
    vmbus_channel_close(ch);
}

void vmbus_driver_unregister(struct vmbus_driver *drv)
{
    uint32_t hwm = vmbus_relid_hwm();
    for (uint32_t relid = 1; relid <= hwm; relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (ch && ch->driver == drv)
            vmbus_driver_remove_channel(ch);
    }
    for (struct vmbus_driver **pp = &drivers; *pp; pp = &(*pp)->next) {
        if (*pp == drv) {
            *pp = drv->next;
            break;
        }
    }
    drv->next = NULL;
    registry_gen++;
}

static void try_probe(struct vmbus_channel *ch)
{
    ch->probe_gen = registry_gen;
    for (struct vmbus_driver *d = drivers; d; d = d->next) {
        if (!vmbus_guid_equal(&d->class_id, &ch->class_id))
            continue;
        ch->driver = d;
        int rc = d->probe ? d->probe(ch) : 0;
        if (rc == 0) {
            tracef(TRACE_VMBUS, "vmbus", "relid %u: bound to %s", ch->relid, d->name);
            return;
        }
        log_err("vmbus", "relid %u: %s probe failed (%d)", ch->relid, d->name, rc);
        ch->driver = NULL;
        vmbus_channel_close(ch);
        return;
    }
}

void vmbus_driver_probe_pending(void)
{
    uint32_t hwm = vmbus_relid_hwm();
    for (uint32_t relid = 1; relid <= hwm; relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (ch == NULL)
            continue;
        if (atomic_load_explicit(&ch->rescinded, memory_order_acquire)) {
            vmbus_driver_remove_channel(ch);
            vmbus_channel_release(ch);
            continue;
        }
        if (ch->driver == NULL && ch->probe_gen != registry_gen)
            try_probe(ch);
    }
}
