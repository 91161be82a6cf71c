# Host tests of the VMBus client stack: guest code against a fake VMBus host
# (tests/host/vmbus_fakehost.c) with ASan/UBSan; component lists in
# tests/components.mk.
HOST_TESTS += vmbus_ring vmbus_echo vmbus_conn vmbus_sief vmbus_chan
vmbus_ring_SRCS := tests/host/vmbus_ring_test.c $(GUEST_VMBUS_RING_SRCS)
vmbus_echo_SRCS := tests/host/vmbus_echo_test.c $(GUEST_VMBUS_RING_SRCS)
vmbus_conn_SRCS := tests/host/vmbus_conn_test.c tests/host/vmbus_fakehost.c $(GUEST_VMBUS_SRCS)
vmbus_sief_SRCS := tests/host/vmbus_sief_test.c tests/host/vmbus_fakehost.c $(GUEST_VMBUS_SRCS)
vmbus_chan_SRCS := tests/host/vmbus_chan_test.c tests/host/vmbus_fakehost.c \
    $(GUEST_VMBUS_SRCS) $(GUEST_HVUTIL_SRCS)
# The ring's wire format byte by byte against the guest's ring code and the
# model's host ring (two independent implementations of one format).
HOST_TESTS += vmbus_ring_bytes
vmbus_ring_bytes_SRCS := tests/host/vmbus_ring_bytes_test.c $(GUEST_VMBUS_RING_SRCS) \
    drivers/hvsim/vmbus_host_ring.c
# Lost wake-ups: the guest's ring end against the model's, steps interleaved.
HOST_TESTS += vmbus_ring_wakeup
vmbus_ring_wakeup_SRCS := tests/host/vmbus_ring_wakeup_test.c $(GUEST_VMBUS_RING_SRCS) \
    drivers/hvsim/vmbus_host_ring.c
