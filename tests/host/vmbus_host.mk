# VMBus host side of the Hyper-V model (drivers/hvsim/vmbus_host_*.c), driven
# by a scripted fake guest (tests/host/vmbus_host_guest.c).
VMBUS_HOST_SRCS := drivers/hvsim/vmbus_host_core.c drivers/hvsim/vmbus_host_config.c \
                   drivers/hvsim/vmbus_host_chanmsg.c drivers/hvsim/vmbus_host_gpadl.c \
                   drivers/hvsim/vmbus_host_channels.c drivers/hvsim/vmbus_host_devices.c \
                   drivers/hvsim/vmbus_host_faults.c drivers/vmbus/vmbus_ring.c
# HVSIM_SRCS comes from tests/host/hv.mk (recursive '=': expanded late).
VMBUS_HOST_TEST_DEPS = $(VMBUS_HOST_SRCS) tests/host/vmbus_host_guest.c \
                   $(HVSIM_SRCS) drivers/hv/hv_names.c

HOST_TESTS += vmbus_host vmbus_host_dev vmbus_host_fault vmbus_host_config
vmbus_host_SRCS = tests/host/vmbus_host_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_dev_SRCS = tests/host/vmbus_host_dev_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_fault_SRCS = tests/host/vmbus_host_fault_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_config_SRCS := tests/host/vmbus_host_config_test.c drivers/hvsim/vmbus_host_config.c
