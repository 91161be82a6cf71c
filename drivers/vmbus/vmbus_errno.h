/* Error codes of the VMBus stack: 0 is success, failures are negative so a
 * function can also return a positive count. Kept separate from errno.h so
 * the freestanding kernel build needs nothing from libc for them. */
#ifndef SINTER_VMBUS_ERRNO_H
#define SINTER_VMBUS_ERRNO_H

enum vmbus_err {
    VMBUS_OK = 0,
    VMBUS_EINVAL = -1,    /* bad argument from our own caller */
    VMBUS_ENOMEM = -2,    /* platform allocation failed */
    VMBUS_ETIMEDOUT = -3, /* a bounded wait ran out */
    VMBUS_EIO = -4,       /* the host put something invalid in shared memory */
    VMBUS_EAGAIN = -5,    /* ring full; try again after the consumer signals */
    VMBUS_ENOBUFS = -6,   /* caller's buffer is smaller than the packet */
    VMBUS_EPROTO = -7,    /* the host answered with a failure status */
    VMBUS_ENODEV = -8,    /* channel gone (rescinded) or no connection */
    VMBUS_EHV = -9,       /* a hypercall returned a failure status */
    VMBUS_EBUSY = -10,    /* relid in use / operation already in progress */
};

#endif
