# libFuzzer targets of the VMBus client stack (drivers/vmbus, drivers/hvutil).
# The top-level Makefile adds tests/host/host_log.c to each.
# Seed inputs: tests/fuzz/corpus/<target>/ (optional; a run needs none).
VMBUS_FUZZ_CORE := drivers/vmbus/vmbus_conn.c drivers/vmbus/vmbus_chanmsg.c \
    drivers/vmbus/vmbus_chantable.c drivers/vmbus/vmbus_sief_scan.c \
    drivers/vmbus/vmbus_gpadl.c drivers/vmbus/vmbus_ring.c \
    drivers/vmbus/vmbus_channel.c drivers/vmbus/vmbus_driver.c
VMBUS_FUZZ_HVUTIL := drivers/hvutil/ic_common.c drivers/hvutil/ic_heartbeat.c \
    drivers/hvutil/ic_shutdown.c drivers/hvutil/ic_timesync.c

FUZZ_TARGETS += vmbus_chanmsg vmbus_ring_reader vmbus_ic
vmbus_chanmsg_FUZZ_SRCS := tests/fuzz/vmbus_chanmsg_fuzz.c \
    $(VMBUS_FUZZ_CORE) $(VMBUS_FUZZ_HVUTIL)
vmbus_ring_reader_FUZZ_SRCS := tests/fuzz/vmbus_ring_fuzz.c \
    drivers/vmbus/vmbus_ring.c
vmbus_ic_FUZZ_SRCS := tests/fuzz/vmbus_ic_fuzz.c \
    $(VMBUS_FUZZ_CORE) $(VMBUS_FUZZ_HVUTIL)
