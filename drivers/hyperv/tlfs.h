/* Hyper-V Top-Level Functional Specification (TLFS) constants and wire
 * structures, declared once for both the guest (drivers/hv, drivers/vmbus)
 * and the host model (drivers/hvsim). Like everything in drivers/hyperv it
 * is definitions only and includes nothing else of ours.
 *
 * Sources for the facts (values only; the text is ours):
 *   TLFS "Feature discovery", "Hypercall interface", "Inter-partition
 *   communication", "Timers", HvCallPostMessage, HvCallSignalEvent pages;
 *   Linux include/hyperv/hvgdk_mini.h (names, bit positions, status codes);
 *   QEMU include/hw/hyperv/hyperv-proto.h (hv_message layout, SIMP/SIEFP). */
#ifndef SINTER_DRIVERS_HYPERV_TLFS_H
#define SINTER_DRIVERS_HYPERV_TLFS_H
#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SIZE  4096u
#define HV_PAGE_SHIFT 12

/* ---- CPUID (TLFS "Feature discovery") ---------------------------------- */
#define HV_CPUID_VENDOR_AND_MAX 0x40000000u
#define HV_CPUID_INTERFACE      0x40000001u
#define HV_CPUID_VERSION        0x40000002u
#define HV_CPUID_FEATURES       0x40000003u
#define HV_CPUID_ENLIGHTENMENT  0x40000004u
#define HV_CPUID_LIMITS         0x40000005u
#define HV_CPUID_HW_FEATURES    0x40000006u
#define HV_CPUID_MIN_FOR_FEATURES 0x40000005u /* Linux HYPERV_CPUID_MIN */
#define HV_CPUID1_ECX_HYPERVISOR (1u << 31)   /* CPUID.1:ECX.31 */
#define HV_INTERFACE_HV1 0x31237648u          /* "Hv#1" */

/* 0x40000003 EAX: partition privilege mask, low half (hvgdk_mini.h) */
#define HV_MSR_VP_RUNTIME_AVAILABLE      (1u << 0)
#define HV_MSR_TIME_REF_COUNT_AVAILABLE  (1u << 1)
#define HV_MSR_SYNIC_AVAILABLE           (1u << 2)
#define HV_MSR_SYNTIMER_AVAILABLE        (1u << 3)
#define HV_MSR_APIC_ACCESS_AVAILABLE     (1u << 4)
#define HV_MSR_HYPERCALL_AVAILABLE       (1u << 5)
#define HV_MSR_VP_INDEX_AVAILABLE        (1u << 6)
#define HV_MSR_RESET_AVAILABLE           (1u << 7)
#define HV_MSR_STAT_PAGES_AVAILABLE      (1u << 8)
#define HV_MSR_REFERENCE_TSC_AVAILABLE   (1u << 9)
#define HV_MSR_GUEST_IDLE_AVAILABLE      (1u << 10)
#define HV_ACCESS_FREQUENCY_MSRS         (1u << 11)
#define HV_ACCESS_REENLIGHTENMENT        (1u << 13)
#define HV_ACCESS_TSC_INVARIANT          (1u << 15)
/* 0x40000003 EBX: privilege mask, high half */
#define HV_POST_MESSAGES                 (1u << 4)
#define HV_SIGNAL_EVENTS                 (1u << 5)
#define HV_ISOLATION                     (1u << 22)
/* 0x40000003 EDX: miscellaneous features */
#define HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE  (1u << 4)
#define HV_FEATURE_FREQUENCY_MSRS_AVAILABLE   (1u << 8)
#define HV_X64_HYPERCALL_XMM_OUTPUT_AVAILABLE (1u << 15)
#define HV_X64_SINT_POLLING_AVAILABLE         (1u << 17)
#define HV_STIMER_DIRECT_MODE_AVAILABLE       (1u << 19)
/* 0x40000004 EAX: implementation recommendations */
#define HV_X64_APIC_ACCESS_RECOMMENDED     (1u << 3)
#define HV_X64_RELAXED_TIMING_RECOMMENDED  (1u << 5)
#define HV_DEPRECATING_AEOI_RECOMMENDED    (1u << 9)
#define HV_X64_CLUSTER_IPI_RECOMMENDED     (1u << 10)
#define HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED (1u << 11)
#define HV_X64_HYPERV_NESTED               (1u << 12)

/* ---- synthetic MSRs (TLFS; hvgdk_mini.h HV_X64_MSR_*) ------------------- */
#define HV_X64_MSR_GUEST_OS_ID      0x40000000u
#define HV_X64_MSR_HYPERCALL        0x40000001u
#define HV_X64_MSR_VP_INDEX         0x40000002u
#define HV_X64_MSR_RESET            0x40000003u
#define HV_X64_MSR_VP_RUNTIME       0x40000010u
#define HV_X64_MSR_TIME_REF_COUNT   0x40000020u
#define HV_X64_MSR_REFERENCE_TSC    0x40000021u
#define HV_X64_MSR_TSC_FREQUENCY    0x40000022u
#define HV_X64_MSR_APIC_FREQUENCY   0x40000023u
#define HV_X64_MSR_SCONTROL         0x40000080u
#define HV_X64_MSR_SVERSION         0x40000081u
#define HV_X64_MSR_SIEFP            0x40000082u
#define HV_X64_MSR_SIMP             0x40000083u
#define HV_X64_MSR_EOM              0x40000084u
#define HV_X64_MSR_SINT0            0x40000090u /* SINTn = SINT0 + n, n < 16 */
#define HV_X64_MSR_STIMER0_CONFIG   0x400000B0u /* + 2t */
#define HV_X64_MSR_STIMER0_COUNT    0x400000B1u /* + 2t */

#define HV_HYPERCALL_ENABLE         (1ull << 0)
#define HV_HYPERCALL_LOCKED         (1ull << 1)
#define HV_SYNIC_CONTROL_ENABLE     (1ull << 0)
#define HV_SYNIC_PAGE_ENABLE        (1ull << 0)  /* SIMP / SIEFP / REFERENCE_TSC */
#define HV_MSR_GPFN_MASK            (~0xfffull)  /* bits 63:12 */
/* RsvdP bits a guest writes back as it read them (TLFS register layouts):
 * HYPERCALL bits 11:2; SIMP, SIEFP and REFERENCE_TSC bits 11:1. */
#define HV_HYPERCALL_RSVDP_MASK     0xffcull
#define HV_PAGE_MSR_RSVDP_MASK      0xffeull
#define HV_SYNIC_VERSION_1          1u

/* SINTx register (TLFS; Linux union hv_synic_sint) */
#define HV_SINT_VECTOR_MASK         0xffull
#define HV_SINT_MASKED              (1ull << 16)
#define HV_SINT_AUTO_EOI            (1ull << 17)
#define HV_SINT_POLLING             (1ull << 18)
#define HV_SINT_RESET_VALUE         HV_SINT_MASKED
#define HV_SYNIC_FIRST_VALID_VECTOR 16u
#define HV_SYNIC_SINT_COUNT         16u
#define HV_VMBUS_MESSAGE_SINT       2u

/* STIMER config (TLFS "Timers": synthetic timer configuration register;
 * Linux union hv_stimer_config). Bits 15:13 and 63:20 are RsvdZ. */
#define HV_STIMER_COUNT             4u   /* timers per VP */
#define HV_STIMER_ENABLE            (1ull << 0)
#define HV_STIMER_PERIODIC          (1ull << 1)
#define HV_STIMER_LAZY              (1ull << 2)
#define HV_STIMER_AUTO_ENABLE       (1ull << 3)
#define HV_STIMER_VECTOR_SHIFT      4
#define HV_STIMER_VECTOR_MASK       (0xffull << 4)   /* ApicVector, direct mode */
#define HV_STIMER_DIRECT_MODE       (1ull << 12)
#define HV_STIMER_SINT_SHIFT        16
#define HV_STIMER_SINT_MASK         (0xfull << 16)
#define HV_STIMER_RSVDZ_MASK        ((0x7ull << 13) | (~0ull << 20))
#define HV_STIMER_VECTOR(cfg)       ((uint8_t)((cfg) >> HV_STIMER_VECTOR_SHIFT))
#define HV_STIMER_SINT(cfg)         ((uint32_t)((cfg) >> HV_STIMER_SINT_SHIFT) & 0xfu)

/* Guest OS ID, open-source encoding (TLFS "Reporting the guest OS
 * identity"): bit 63 open source, 62:56 OS type, 55:48 OS id,
 * 47:16 kernel version, 15:0 build. No OS type is allocated to sinter;
 * hypervisors only require the value to be non-zero. */
#define HV_GUEST_OS_ID_OPEN_SOURCE  (1ull << 63)
#define HV_GUEST_OS_ID(ostype, osid, version, build)                     \
    (HV_GUEST_OS_ID_OPEN_SOURCE | ((uint64_t)((ostype) & 0x7f) << 56) | \
     ((uint64_t)((osid) & 0xff) << 48) |                                \
     ((uint64_t)((version) & 0xffffffffu) << 16) | ((build) & 0xffffu))

/* ---- hypercalls (TLFS "Hypercall interface") --------------------------- */
#define HVCALL_POST_MESSAGE         0x005cu
#define HVCALL_SIGNAL_EVENT         0x005du
#define HV_HYPERCALL_CODE_MASK      0xffffull
#define HV_HYPERCALL_FAST_BIT       (1ull << 16)
#define HV_HYPERCALL_VARHEAD_SHIFT  17
#define HV_HYPERCALL_VARHEAD_MASK   (0x3ffull << 17)  /* bits 26:17 */
#define HV_HYPERCALL_RSVD0_MASK     (0x1full << 27)   /* bits 31:27 */
#define HV_HYPERCALL_REP_COMP_SHIFT 32
#define HV_HYPERCALL_REP_COMP_MASK  (0xfffull << 32)  /* bits 43:32 */
#define HV_HYPERCALL_RSVD1_MASK     (0xfull << 44)    /* bits 47:44 */
#define HV_HYPERCALL_REP_START_MASK (0xfffull << 48)  /* bits 59:48 */
#define HV_HYPERCALL_RSVD2_MASK     (0xfull << 60)    /* bits 63:60 */
#define HV_HYPERCALL_RESULT_MASK    0xffffull         /* RAX bits 15:0 */
#define HV_CONNECTION_ID_MASK       0x00ffffffu

/* HV_STATUS codes (hvgdk_mini.h). hv_status_name() prints them. */
#define HV_STATUS_SUCCESS                    0x00
#define HV_STATUS_INVALID_HYPERCALL_CODE     0x02
#define HV_STATUS_INVALID_HYPERCALL_INPUT    0x03
#define HV_STATUS_INVALID_ALIGNMENT          0x04
#define HV_STATUS_INVALID_PARAMETER          0x05
#define HV_STATUS_ACCESS_DENIED              0x06
#define HV_STATUS_INVALID_PARTITION_STATE    0x07
#define HV_STATUS_OPERATION_DENIED           0x08
#define HV_STATUS_UNKNOWN_PROPERTY           0x09
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE 0x0a
#define HV_STATUS_INSUFFICIENT_MEMORY        0x0b
#define HV_STATUS_INVALID_PARTITION_ID       0x0d
#define HV_STATUS_INVALID_VP_INDEX           0x0e
#define HV_STATUS_NOT_FOUND                  0x10
#define HV_STATUS_INVALID_PORT_ID            0x11
#define HV_STATUS_INVALID_CONNECTION_ID      0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS       0x13
#define HV_STATUS_NOT_ACKNOWLEDGED           0x14
#define HV_STATUS_INVALID_VP_STATE           0x15
#define HV_STATUS_ACKNOWLEDGED               0x16
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE 0x17
#define HV_STATUS_INVALID_SYNIC_STATE        0x18
#define HV_STATUS_OBJECT_IN_USE              0x19
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO 0x1a
#define HV_STATUS_NO_DATA                    0x1b
#define HV_STATUS_INACTIVE                   0x1c
#define HV_STATUS_NO_RESOURCES               0x1d

/* Names for logs and traces (tlfs_names.c): "INVALID_CONNECTION_ID",
 * "SIMP", ...; unknown values get a generic name, never NULL. */
const char *hv_status_name(uint64_t status);
const char *hv_msr_name(uint32_t msr);

/* ---- SynIC messages (TLFS "Inter-partition communication", HV_MESSAGE) -- */
#define HV_MESSAGE_SIZE          256u
#define HV_MESSAGE_PAYLOAD_BYTES 240u
#define HV_MESSAGE_PAYLOAD_QWORDS 30u

#define HVMSG_NONE               0x00000000u
#define HVMSG_VMBUS              0x00000001u /* type VMBus uses (QEMU, Linux) */
#define HVMSG_TIMER_EXPIRED      0x80000010u
#define HV_MESSAGE_TYPE_HYPERVISOR_BIT 0x80000000u /* MSB: hypervisor-only */

#define HV_MESSAGE_FLAG_PENDING  0x01u

/* PayloadSize at byte 4 and flags at byte 5, as Linux, QEMU and openvmm lay it
 * out (the current TLFS page draws the header in a different order). */
struct hv_message_header {
    uint32_t message_type;
    uint8_t payload_size;
    uint8_t message_flags;
    uint8_t reserved[2];
    uint64_t origin;  /* sender: port id / partition id; 0 for timers */
};

struct hv_message {
    struct hv_message_header header;
    uint64_t payload[HV_MESSAGE_PAYLOAD_QWORDS];
};

/* SIMP: one message slot per SINT. */
struct hv_message_page {
    struct hv_message sint_message[HV_SYNIC_SINT_COUNT];
};

/* SIEFP: 2048 event flags per SINT (256 bytes each). */
#define HV_EVENT_FLAGS_COUNT     2048u
#define HV_EVENT_FLAGS_QWORDS    (HV_EVENT_FLAGS_COUNT / 64)
struct hv_synic_event_flags {
    uint64_t flags[HV_EVENT_FLAGS_QWORDS];
};
struct hv_synic_event_flags_page {
    struct hv_synic_event_flags sintevent_flags[HV_SYNIC_SINT_COUNT];
};

/* Timer expiry payload (Linux hv_timer_message_payload) */
struct hv_timer_message_payload {
    uint32_t timer_index;
    uint32_t reserved;
    uint64_t expiration_time;
    uint64_t delivery_time;
};

/* Hypercall inputs (TLFS HvCallPostMessage / HvCallSignalEvent pages). */
struct hv_input_post_message {
    uint32_t connection_id;
    uint32_t reserved;
    uint32_t message_type;
    uint32_t payload_size;
    uint64_t payload[HV_MESSAGE_PAYLOAD_QWORDS];
};

struct hv_input_signal_event {
    uint32_t connection_id;
    uint16_t flag_number;
    uint16_t rsvdz;
};

/* Reference TSC page (TLFS "Timers"; Linux ms_hyperv_tsc_page) */
struct hv_ref_tsc_page {
    volatile uint32_t tsc_sequence;
    uint32_t reserved1;
    volatile uint64_t tsc_scale;
    volatile int64_t tsc_offset;
};

_Static_assert(sizeof(struct hv_message_header) == 16, "hv_message_header");
_Static_assert(offsetof(struct hv_message_header, payload_size) == 4, "payload_size @4");
_Static_assert(offsetof(struct hv_message_header, message_flags) == 5, "flags @5");
_Static_assert(offsetof(struct hv_message_header, origin) == 8, "origin @8");
_Static_assert(offsetof(struct hv_message, payload) == 16, "payload @16");
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "hv_message 256");
_Static_assert(sizeof(struct hv_message_page) == HV_PAGE_SIZE, "SIMP page");
_Static_assert(sizeof(struct hv_synic_event_flags) == 256, "2048 bits per SINT");
_Static_assert(sizeof(struct hv_synic_event_flags_page) == HV_PAGE_SIZE, "SIEFP page");
_Static_assert(sizeof(struct hv_input_post_message) == 256, "post message input");
_Static_assert(offsetof(struct hv_input_post_message, message_type) == 8, "type @8");
_Static_assert(offsetof(struct hv_input_post_message, payload_size) == 12, "size @12");
_Static_assert(offsetof(struct hv_input_post_message, payload) == 16, "payload @16");
_Static_assert(sizeof(struct hv_input_signal_event) == 8, "signal event input");
_Static_assert(offsetof(struct hv_input_signal_event, flag_number) == 4, "flag @4");
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer payload");
_Static_assert(offsetof(struct hv_timer_message_payload, expiration_time) == 8, "expiration @8");
_Static_assert(offsetof(struct hv_timer_message_payload, delivery_time) == 16, "delivery @16");
_Static_assert(sizeof(struct hv_ref_tsc_page) == 24, "TSC page fields");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_scale) == 8, "tsc_scale @8");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_offset) == 16, "tsc_offset @16");

#endif
