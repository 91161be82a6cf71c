# Host tests of the Hyper-V guest layer (drivers/hv) and the host model
# (drivers/hvsim); component lists in tests/components.mk.
HOST_TESTS += hv_detect hv_model hv_stimer
hv_detect_SRCS := tests/host/hv_detect_test.c $(GUEST_HV_DETECT_SRCS) $(WIRE_SRCS)
HV_MODEL_TEST_DEPS := tests/host/fake_guest_ram.c tests/host/fake_irq.c \
    $(BACKEND_SRCS) $(GUEST_HV_SRCS) $(MODEL_HV_SRCS) $(WIRE_SRCS)
hv_model_SRCS  := tests/host/hv_model_test.c $(HV_MODEL_TEST_DEPS)
hv_stimer_SRCS := tests/host/hv_stimer_test.c $(HV_MODEL_TEST_DEPS)
