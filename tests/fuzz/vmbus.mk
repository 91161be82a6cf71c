# libFuzzer targets of the VMBus client stack (drivers/vmbus, drivers/hvutil);
# component lists in tests/components.mk. The top-level Makefile adds
# tests/host/host_log.c to each. Seed inputs: tests/fuzz/corpus/<target>/
# (optional; a run needs none).
FUZZ_TARGETS += vmbus_chanmsg vmbus_ring_reader vmbus_ic
vmbus_chanmsg_FUZZ_SRCS := tests/fuzz/vmbus_chanmsg_fuzz.c $(GUEST_VMBUS_SRCS) $(GUEST_HVUTIL_SRCS)
vmbus_ring_reader_FUZZ_SRCS := tests/fuzz/vmbus_ring_fuzz.c $(GUEST_VMBUS_RING_SRCS)
vmbus_ic_FUZZ_SRCS := tests/fuzz/vmbus_ic_fuzz.c $(GUEST_VMBUS_SRCS) $(GUEST_HVUTIL_SRCS)
