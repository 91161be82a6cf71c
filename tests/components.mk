# One source list per hardware-free component. Host tests (tests/host/*.mk),
# fuzz targets (tests/fuzz/*.mk) and benchmarks (tests/bench/run.sh, through
# `make bench`) all build from these lists, so a file added to a component
# reaches every program that uses it. Kernel-only glue (*_kernel.c, the
# drivers/*.c bring-up) is in none of them.

# Wire definitions shared by guest and model (drivers/hyperv): the name tables.
WIRE_SRCS := drivers/hyperv/tlfs_names.c drivers/hyperv/vmbus_class_names.c

# The guest (runs on real Hyper-V too).
GUEST_HV_DETECT_SRCS := drivers/hv/hv_detect.c
GUEST_HV_SRCS := $(GUEST_HV_DETECT_SRCS) drivers/hv/hv_init.c drivers/hv/hv_msr.c \
    drivers/hv/hv_hypercall.c drivers/hv/hv_synic.c drivers/hv/hv_time.c \
    drivers/hv/hv_stimer.c drivers/hv/hv_inspect.c
GUEST_VMBUS_RING_SRCS := drivers/vmbus/vmbus_ring.c
GUEST_VMBUS_SRCS := $(GUEST_VMBUS_RING_SRCS) drivers/vmbus/vmbus_msg.c drivers/vmbus/vmbus_conn.c \
    drivers/vmbus/vmbus_chanmsg.c drivers/vmbus/vmbus_chantable.c \
    drivers/vmbus/vmbus_sief_scan.c drivers/vmbus/vmbus_gpadl.c \
    drivers/vmbus/vmbus_channel.c drivers/vmbus/vmbus_driver.c
GUEST_HVUTIL_SRCS := drivers/hvutil/ic_common.c drivers/hvutil/ic_heartbeat.c \
    drivers/hvutil/ic_shutdown.c drivers/hvutil/ic_timesync.c
# Dynamic Memory: the message handling (the channel glue is dm_driver.c).
GUEST_DM_SRCS := drivers/dm/dm_msg.c

# The host model (drivers/hvsim): the hypervisor, then its VMBus host.
MODEL_HV_SRCS := drivers/hvsim/hvsim_core.c drivers/hvsim/hvsim_msr.c \
    drivers/hvsim/hvsim_synic.c drivers/hvsim/hvsim_hypercall.c \
    drivers/hvsim/hvsim_stimer.c
# Options share the kernel's number parser (lib/cmdline.c): one syntax.
MODEL_VMBUS_HOST_OPTIONS_SRCS := drivers/hvsim/vmbus_host_config.c lib/cmdline.c
MODEL_VMBUS_HOST_SRCS := $(MODEL_VMBUS_HOST_OPTIONS_SRCS) drivers/hvsim/vmbus_host_core.c \
    drivers/hvsim/vmbus_host_chanmsg.c drivers/hvsim/vmbus_host_gpadl.c \
    drivers/hvsim/vmbus_host_channels.c drivers/hvsim/vmbus_host_devices.c \
    drivers/hvsim/vmbus_host_faults.c drivers/hvsim/vmbus_host_ring.c \
    drivers/hvsim/vmbus_host_rules.c drivers/hvsim/vmbus_host_dm.c

# The glue above guest and model that picks the backend (drivers/backend.c).
BACKEND_SRCS := drivers/backend.c

# Printed for tests/bench/run.sh when it runs outside `make bench`.
COMPONENT_VARS := WIRE_SRCS GUEST_HV_SRCS GUEST_VMBUS_RING_SRCS GUEST_VMBUS_SRCS \
    GUEST_HVUTIL_SRCS MODEL_HV_SRCS MODEL_VMBUS_HOST_SRCS

# The console's hardware-free part: line editor and command parser (lib/shell).
SHELL_LIB_SRCS := lib/shell/line_edit.c lib/shell/shell.c lib/cmdline.c
