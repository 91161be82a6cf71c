/* The message layer of the VMBus client, under the connection
 * (vmbus_conn.c) and the channels: the services it runs on, posting a
 * channel message (with the retries a busy host needs), bounded waits for an
 * answer, and the wait slots the message handler completes. */
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"

static const struct vmbus_services *svc;
static uint64_t wait_timeout_ns = 5000000000ull;  /* Linux waits 5 s too */
/* Hyper-V has been seen to take about 50 s to answer UNLOAD; Linux
 * vmbus_wait_for_unload (drivers/hv/channel_mgmt.c) waits up to 100 s. */
static uint64_t unload_timeout_ns = 100000000000ull;

void vmbus_set_services(const struct vmbus_services *s) { svc = s; }
const struct vmbus_services *vmbus_services(void) { return svc; }
void vmbus_set_timeout_ns(uint64_t ns) { wait_timeout_ns = ns; }
void vmbus_set_unload_timeout_ns(uint64_t ns) { unload_timeout_ns = ns; }

static int wait_for(bool (*cond)(void *arg), void *arg, const char *step,
                    uint64_t timeout_ns)
{
    uint64_t start = svc->now_ns();
    for (;;) {
        if (cond(arg))
            return VMBUS_OK;
        if (svc->now_ns() - start > timeout_ns) {
            /* One last look: the answer may have come with the last pump. */
            if (cond(arg))
                return VMBUS_OK;
            log_err("vmbus", "timed out after %llu ms waiting for %s",
                    (unsigned long long)(timeout_ns / 1000000), step);
            return VMBUS_ETIMEDOUT;
        }
        svc->pump();
    }
}

int vmbus_wait(bool (*cond)(void *arg), void *arg, const char *step)
{
    return wait_for(cond, arg, step, wait_timeout_ns);
}

bool vmbus_slot_done(void *slot)
{
    struct vmbus_wait_slot *s = slot;
    return atomic_load_explicit(&s->done, memory_order_acquire) != 0;
}

void vmbus_slot_arm(struct vmbus_wait_slot *s, uint32_t key1, uint32_t key2)
{
    s->key1 = key1;
    s->key2 = key2;
    s->status = 0;
    atomic_store_explicit(&s->done, 0, memory_order_relaxed);
    s->armed = true;
    atomic_thread_fence(memory_order_seq_cst);
}

uint64_t vmbus_post_raw(uint32_t conn_id, const void *msg, size_t len)
{
    return svc->post_message(conn_id, VMBUS_SYNIC_MESSAGE_TYPE, msg, len) & 0xffffu;
}

int vmbus_post(const void *msg, size_t len, const char *what)
{
    if (len > VMBUS_MAX_MESSAGE_SIZE)
        return VMBUS_EINVAL;
    uint64_t start = svc->now_ns();
    for (;;) {
        uint64_t st = vmbus_post_raw(vmbus_conn.msg_conn_id, msg, len);
        if (st == HV_STATUS_SUCCESS) {
            tracef(TRACE_VMBUS, "vmbus", "posted %s (%u bytes) on connection %u",
                   what, (unsigned)len, vmbus_conn.msg_conn_id);
            return VMBUS_OK;
        }
        /* The host's message queue for us is full (QEMU keeps 16): give it
         * time to drain, bounded like every other wait. Hyper-V may also
         * answer INVALID_CONNECTION_ID when messages come too fast; Linux
         * vmbus_post_msg (drivers/hv/connection.c) retries that too, for
         * every message but INITIATE_CONTACT (which try_version posts
         * itself, where the status means "version not supported"). */
        if (st != HV_STATUS_INSUFFICIENT_BUFFERS &&
            st != HV_STATUS_INSUFFICIENT_MEMORY &&
            st != HV_STATUS_INVALID_CONNECTION_ID) {
            log_err("vmbus", "posting %s failed: HV status 0x%llx", what,
                    (unsigned long long)st);
            return VMBUS_EHV;
        }
        if (svc->now_ns() - start > wait_timeout_ns) {
            log_err("vmbus", "timed out posting %s: host refuses it (HV status 0x%llx)",
                    what, (unsigned long long)st);
            return VMBUS_ETIMEDOUT;
        }
        svc->pump();
    }
}

int vmbus_wait_unload(bool (*cond)(void *arg), void *arg, const char *step)
{
    return wait_for(cond, arg, step, unload_timeout_ns);
}
