# Host test of the conformance checks (kernel/tests/conformance_*.c, the
# hardware-free part of test=conformance) against a fake Hyper-V host.
CONFORMANCE_SRCS := kernel/tests/conformance_report.c kernel/tests/conformance_cpuid.c \
    kernel/tests/conformance_msr.c kernel/tests/conformance_hcall.c \
    kernel/tests/conformance_time.c kernel/tests/conformance_vmbus.c
HOST_TESTS += conformance
conformance_SRCS := tests/host/conformance_test.c $(CONFORMANCE_SRCS) $(GUEST_HV_DETECT_SRCS) $(WIRE_SRCS)
