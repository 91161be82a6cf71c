# Host tests of the model's VMBus host (drivers/hvsim/vmbus_host_*.c), driven
# by a scripted fake guest (tests/host/vmbus_host_guest.c, which uses the
# guest's ring code for its end of each channel).
VMBUS_HOST_TEST_DEPS := tests/host/vmbus_host_guest.c tests/host/fake_irq.c $(MODEL_VMBUS_HOST_SRCS) \
    $(MODEL_HV_SRCS) $(GUEST_VMBUS_RING_SRCS) $(WIRE_SRCS)

HOST_TESTS += vmbus_host vmbus_host_dev vmbus_host_dm vmbus_host_fault vmbus_host_config
vmbus_host_SRCS := tests/host/vmbus_host_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_dev_SRCS := tests/host/vmbus_host_dev_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_dm_SRCS := tests/host/vmbus_host_dm_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_fault_SRCS := tests/host/vmbus_host_fault_test.c $(VMBUS_HOST_TEST_DEPS)
vmbus_host_config_SRCS := tests/host/vmbus_host_config_test.c $(MODEL_VMBUS_HOST_OPTIONS_SRCS)
