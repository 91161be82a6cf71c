# Hyper-V platform layer (drivers/hv) and host model (drivers/hvsim).
HV_GUEST_SRCS := drivers/hv/hv_detect.c drivers/hv/hv_names.c drivers/hv/hv_init.c \
                 drivers/hv/hv_msr.c drivers/hv/hv_hypercall.c drivers/hv/hv_synic.c \
                 drivers/hv/hv_time.c drivers/hv/hv_stimer.c
HVSIM_SRCS    := drivers/hvsim/hvsim_core.c drivers/hvsim/hvsim_msr.c \
                 drivers/hvsim/hvsim_synic.c drivers/hvsim/hvsim_hypercall.c \
                 drivers/hvsim/hvsim_stimer.c

HOST_TESTS += hv_detect hv_model hv_stimer
hv_detect_SRCS := tests/host/hv_detect_test.c drivers/hv/hv_detect.c drivers/hv/hv_names.c
hv_model_SRCS  := tests/host/hv_model_test.c tests/host/fake_guest_ram.c $(HV_GUEST_SRCS) $(HVSIM_SRCS)
hv_stimer_SRCS := tests/host/hv_stimer_test.c tests/host/fake_guest_ram.c $(HV_GUEST_SRCS) $(HVSIM_SRCS)
