# Host tests of the VMBus client stack: guest code against a fake VMBus host
# (tests/host/vmbus_fakehost.c) with ASan/UBSan.
VMBUS_HOST_CORE := drivers/vmbus/vmbus_conn.c drivers/vmbus/vmbus_chanmsg.c \
    drivers/vmbus/vmbus_chantable.c drivers/vmbus/vmbus_sief_scan.c \
    drivers/vmbus/vmbus_gpadl.c drivers/vmbus/vmbus_ring.c \
    drivers/vmbus/vmbus_channel.c drivers/vmbus/vmbus_driver.c
VMBUS_HOST_HVUTIL := drivers/hvutil/ic_common.c drivers/hvutil/ic_heartbeat.c \
    drivers/hvutil/ic_shutdown.c drivers/hvutil/ic_timesync.c

HOST_TESTS += vmbus_ring vmbus_echo vmbus_conn vmbus_sief vmbus_chan
vmbus_ring_SRCS := tests/host/vmbus_ring_test.c drivers/vmbus/vmbus_ring.c
vmbus_echo_SRCS := tests/host/vmbus_echo_test.c drivers/vmbus/vmbus_ring.c
vmbus_conn_SRCS := tests/host/vmbus_conn_test.c tests/host/vmbus_fakehost.c $(VMBUS_HOST_CORE)
vmbus_sief_SRCS := tests/host/vmbus_sief_test.c tests/host/vmbus_fakehost.c $(VMBUS_HOST_CORE)
vmbus_chan_SRCS := tests/host/vmbus_chan_test.c tests/host/vmbus_fakehost.c \
    $(VMBUS_HOST_CORE) $(VMBUS_HOST_HVUTIL)
