/* VMBus wire formats: channel (control) messages, ring buffers, packets,
 * GPADL ranges and device class GUIDs, declared once for the guest's client
 * (drivers/vmbus) and the model's host (drivers/hvsim/vmbus_host_*); the IC
 * framing is in ic_proto.h. Sizes and offsets asserted.
 *
 * Facts from: Linux include/linux/hyperv.h, drivers/hv/hyperv_vmbus.h,
 * drivers/hv/connection.c, drivers/hv/channel_mgmt.c and drivers/hv/ring_buffer.c;
 * FreeBSD sys/dev/hyperv/vmbus/vmbus_reg.h and vmbus_br.c; QEMU
 * hw/hyperv/vmbus.c and include/hw/hyperv/vmbus-proto.h; OpenVMM
 * vm/devices/vmbus/vmbus_core/src/protocol.rs. All fields little-endian,
 * packed. */
#ifndef SINTER_HYPERV_VMBUS_PROTO_H
#define SINTER_HYPERV_VMBUS_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include "drivers/hyperv/tlfs.h"

/* ---- Protocol versions: (major << 16) | minor (Linux VERSION_*) ---- */
#define VMBUS_VERSION(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
#define VMBUS_VERSION_MAJOR(v)  ((uint32_t)(v) >> 16)
#define VMBUS_VERSION_MINOR(v)  ((uint32_t)(v) & 0xffffu)
#define VMBUS_VERSION_WS2008    VMBUS_VERSION(0, 13)
#define VMBUS_VERSION_WIN7      VMBUS_VERSION(1, 1)
#define VMBUS_VERSION_WIN8      VMBUS_VERSION(2, 4)
#define VMBUS_VERSION_WIN8_1    VMBUS_VERSION(3, 0)
#define VMBUS_VERSION_WIN10     VMBUS_VERSION(4, 0)
#define VMBUS_VERSION_WIN10_4_1 VMBUS_VERSION(4, 1)
#define VMBUS_VERSION_WIN10_5_0 VMBUS_VERSION(5, 0)
#define VMBUS_VERSION_WIN10_5_1 VMBUS_VERSION(5, 1)
#define VMBUS_VERSION_WIN10_5_2 VMBUS_VERSION(5, 2)
#define VMBUS_VERSION_WIN10_5_3 VMBUS_VERSION(5, 3)

/* Feature gates by negotiated version (Linux channel_mgmt.c / connection.c). */
#define VMBUS_VERSION_HAS_UNLOAD(v)        ((v) >= VMBUS_VERSION_WIN8_1)
#define VMBUS_VERSION_HAS_MODIFYCHANNEL(v) ((v) >= VMBUS_VERSION_WIN10_4_1)
#define VMBUS_VERSION_HAS_MODIFY_RESP(v)   ((v) >= VMBUS_VERSION_WIN10_5_3)
#define VMBUS_VERSION_USES_CONN_ID_4(v)    ((v) >= VMBUS_VERSION_WIN10_5_0)

/* ---- Connection ids, SINT, limits (Linux hyperv_vmbus.h; QEMU vmbus.c) ---- */
#define VMBUS_MESSAGE_CONNECTION_ID   1u  /* all messages before 5.0 */
#define VMBUS_MESSAGE_CONNECTION_ID_4 4u  /* INITIATE_CONTACT from 5.0 on */
#define VMBUS_MESSAGE_PORT_ID         1u
#define VMBUS_MESSAGE_SINT            2u
#define VMBUS_SYNIC_MESSAGE_TYPE      1u  /* SynIC message type of VMBus messages */
#define VMBUS_MAX_MESSAGE_SIZE        240u
#define VMBUS_EVENT_FLAGS_COUNT       2048u /* SIEF bits per SINT */
#define VMBUS_MAX_RELIDS              2048u
#define VMBUS_QEMU_CHAN_CONN_OFFSET   16u /* QEMU: channel connection id = 16 + relid */
#define VMBUS_QEMU_MSG_COUNT          18u /* QEMU VMBUS_MSG_COUNT: it knows types 0..17 */
_Static_assert(VMBUS_MESSAGE_SINT == HV_VMBUS_MESSAGE_SINT, "VMBus SINT");
_Static_assert(VMBUS_SYNIC_MESSAGE_TYPE == HVMSG_VMBUS, "VMBus SynIC message type");
_Static_assert(VMBUS_MAX_MESSAGE_SIZE == HV_MESSAGE_PAYLOAD_BYTES, "a channel message fills a SynIC payload");
_Static_assert(VMBUS_EVENT_FLAGS_COUNT == HV_EVENT_FLAGS_COUNT, "SIEF bits per SINT");

/* ---- Channel message types (Linux enum vmbus_channel_message_type) ---- */
enum vmbus_msgtype {
    VMBUS_MSG_INVALID = 0,
    VMBUS_MSG_OFFERCHANNEL = 1,
    VMBUS_MSG_RESCIND_CHANNELOFFER = 2,
    VMBUS_MSG_REQUESTOFFERS = 3,
    VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
    VMBUS_MSG_OPENCHANNEL = 5,
    VMBUS_MSG_OPENCHANNEL_RESULT = 6,
    VMBUS_MSG_CLOSECHANNEL = 7,
    VMBUS_MSG_GPADL_HEADER = 8,
    VMBUS_MSG_GPADL_BODY = 9,
    VMBUS_MSG_GPADL_CREATED = 10,
    VMBUS_MSG_GPADL_TEARDOWN = 11,
    VMBUS_MSG_GPADL_TORNDOWN = 12,
    VMBUS_MSG_RELID_RELEASED = 13,
    VMBUS_MSG_INITIATE_CONTACT = 14,
    VMBUS_MSG_VERSION_RESPONSE = 15,
    VMBUS_MSG_UNLOAD = 16,
    VMBUS_MSG_UNLOAD_RESPONSE = 17,
    VMBUS_MSG_TL_CONNECT_REQUEST = 21,
    VMBUS_MSG_MODIFYCHANNEL = 22,
    VMBUS_MSG_TL_CONNECT_RESULT = 23,
    VMBUS_MSG_MODIFYCHANNEL_RESPONSE = 24,
    VMBUS_MSG_COUNT = 25,
};

/* Every channel message starts with this 8-byte header. */
struct vmbus_msg_header {
    uint32_t msgtype;
    uint32_t padding;
} __attribute__((packed));

/* Class/instance GUIDs travel in the Windows mixed-endian byte order: the
 * first three fields little-endian, the last eight bytes as written. */
struct vmbus_guid {
    uint8_t b[16];
};
#define VMBUS_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                  \
    { { (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16),             \
        (uint8_t)((a) >> 24), (uint8_t)(b), (uint8_t)((b) >> 8),             \
        (uint8_t)(c), (uint8_t)((c) >> 8), d0, d1, d2, d3, d4, d5, d6, d7 } }

struct vmbus_msg_initiate_contact {       /* G->H, 14 */
    struct vmbus_msg_header hdr;
    uint32_t version_requested;
    uint32_t target_vcpu;                 /* VP index that gets VMBus messages */
    union {
        uint64_t interrupt_page;          /* versions < 5.0 */
        struct {
            uint8_t msg_sint;             /* versions >= 5.0: SINT for messages */
            uint8_t msg_vtl;
            uint8_t reserved[6];
        } __attribute__((packed)) v5;
    } u;
    uint64_t monitor_page1;               /* parent -> child */
    uint64_t monitor_page2;               /* child -> parent */
} __attribute__((packed));

struct vmbus_msg_version_response {       /* H->G, 15 */
    struct vmbus_msg_header hdr;
    uint8_t version_supported;
    uint8_t connection_state;
    uint16_t padding;
    uint32_t msg_conn_id;                 /* >= 5.0: connection id for later messages */
} __attribute__((packed));
/* connection_state values (OpenVMM vmbus_core protocol.rs ConnectionState).
 * From WIN8 on a non-zero state is a failure even with version_supported. */
#define VMBUS_CONNECTION_STATE_OK              0u
#define VMBUS_CONNECTION_STATE_LOW_RESOURCES   1u
#define VMBUS_CONNECTION_STATE_FAILED_UNKNOWN  2u
/* Every real host sends 16 bytes: QEMU rounds its 12-byte struct up to 8
 * (post_msg), OpenVMM sends the whole struct; the Gen2 firmware (mu_msvm
 * VmbusDxe) refuses anything shorter, and so does the guest. */
#define VMBUS_VERSION_RESPONSE_MIN_LEN 16u

struct vmbus_channel_offer_body {         /* Linux struct vmbus_channel_offer */
    struct vmbus_guid if_type;            /* device class */
    struct vmbus_guid if_instance;
    uint64_t reserved1;
    uint64_t reserved2;
    uint16_t chn_flags;
    uint16_t mmio_megabytes;
    uint8_t user_def[120];
    uint16_t sub_channel_index;
    uint16_t reserved3;
} __attribute__((packed));

struct vmbus_msg_offer_channel {          /* H->G, 1 */
    struct vmbus_msg_header hdr;
    struct vmbus_channel_offer_body offer;
    uint32_t child_relid;
    uint8_t monitorid;
    uint8_t monitor_allocated;            /* bit 0 */
    uint16_t is_dedicated_interrupt;      /* bit 0 */
    uint32_t connection_id;               /* for HvSignalEvent (Win7+) */
} __attribute__((packed));

struct vmbus_msg_relid {                  /* RESCIND_CHANNELOFFER, CLOSECHANNEL, RELID_RELEASED */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
} __attribute__((packed));

struct vmbus_gpa_range {                  /* followed by pfn_array[] */
    uint32_t byte_count;
    uint32_t byte_offset;
} __attribute__((packed));

struct vmbus_msg_gpadl_header {           /* G->H, 8; followed by ranges */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t gpadl;
    uint16_t range_buflen;                /* bytes of all ranges incl. PFNs */
    uint16_t rangecount;
} __attribute__((packed));

struct vmbus_msg_gpadl_body {             /* G->H, 9; followed by u64 pfn[] */
    struct vmbus_msg_header hdr;
    uint32_t msgnumber;
    uint32_t gpadl;
} __attribute__((packed));

struct vmbus_msg_gpadl_created {          /* H->G, 10 */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t gpadl;
    uint32_t creation_status;             /* 0 = success */
} __attribute__((packed));

struct vmbus_msg_gpadl_teardown {         /* G->H, 11 */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t gpadl;
} __attribute__((packed));

struct vmbus_msg_gpadl_torndown {         /* H->G, 12 */
    struct vmbus_msg_header hdr;
    uint32_t gpadl;
} __attribute__((packed));

struct vmbus_msg_open_channel {           /* G->H, 5 */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t openid;
    uint32_t ringbuffer_gpadl;
    uint32_t target_vp;
    uint32_t downstream_ring_page_offset; /* host->guest ring start, in pages */
    uint8_t userdata[120];
} __attribute__((packed));

struct vmbus_msg_open_result {            /* H->G, 6 */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t openid;
    uint32_t status;                      /* 0 = success */
} __attribute__((packed));

struct vmbus_msg_modify_channel {         /* G->H, 22 */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t target_vp;
} __attribute__((packed));

struct vmbus_msg_modify_channel_response {/* H->G, 24 (5.3+) */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
    uint32_t status;
} __attribute__((packed));

/* PFNs that fit in one GPADL_HEADER with a single range, and per GPADL_BODY. */
#define VMBUS_GPADL_HEADER_PFNS                                              \
    ((VMBUS_MAX_MESSAGE_SIZE - sizeof(struct vmbus_msg_gpadl_header) -       \
      sizeof(struct vmbus_gpa_range)) / sizeof(uint64_t))
#define VMBUS_GPADL_BODY_PFNS                                                \
    ((VMBUS_MAX_MESSAGE_SIZE - sizeof(struct vmbus_msg_gpadl_body)) /        \
     sizeof(uint64_t))

_Static_assert(sizeof(struct vmbus_msg_header) == 8, "hdr");
_Static_assert(sizeof(struct vmbus_guid) == 16, "guid");
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "initiate");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, u) == 16, "intpage");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page2) == 32, "mon2");
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "verresp");
_Static_assert(offsetof(struct vmbus_msg_version_response, msg_conn_id) == 12, "connid");
_Static_assert(sizeof(struct vmbus_channel_offer_body) == 176, "offer body");
_Static_assert(sizeof(struct vmbus_msg_offer_channel) == 196, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, offer.chn_flags) == 56, "flags");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, offer.sub_channel_index) == 180, "subidx");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, child_relid) == 184, "relid");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, connection_id) == 192, "offer connid");
_Static_assert(sizeof(struct vmbus_msg_relid) == 12, "relid msg");
_Static_assert(offsetof(struct vmbus_msg_relid, child_relid) == 8, "relid @8");
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "gpa range");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, gpadl) == 12, "gpadl @12");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_buflen) == 16, "range_buflen @16");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, rangecount) == 18, "rangecount @18");
_Static_assert(offsetof(struct vmbus_msg_gpadl_body, gpadl) == 12, "body gpadl @12");
_Static_assert(offsetof(struct vmbus_msg_gpadl_created, creation_status) == 16, "status @16");
_Static_assert(offsetof(struct vmbus_msg_open_channel, ringbuffer_gpadl) == 16, "open gpadl @16");
_Static_assert(offsetof(struct vmbus_msg_open_channel, target_vp) == 20, "open target_vp @20");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_ring_page_offset) == 24, "downstream @24");
_Static_assert(offsetof(struct vmbus_msg_open_result, status) == 16, "open status @16");
_Static_assert(offsetof(struct vmbus_msg_modify_channel, target_vp) == 12, "modify vp @12");
_Static_assert(offsetof(struct vmbus_msg_modify_channel_response, status) == 12, "modify status @12");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, version_requested) == 8, "version @8");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, target_vcpu) == 12, "vcpu @12");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "mon1 @24");
_Static_assert(offsetof(struct vmbus_msg_version_response, version_supported) == 8, "supported @8");
_Static_assert(offsetof(struct vmbus_msg_version_response, connection_state) == 9, "state @9");
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 20, "gpadl hdr");
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "gpadl body");
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "gpadl created");
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "gpadl teardown");
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "gpadl torndown");
_Static_assert(sizeof(struct vmbus_msg_open_channel) == 148, "open");
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "open result");
_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "modify");
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16, "modify resp");
_Static_assert(VMBUS_GPADL_HEADER_PFNS == 26, "26 PFNs in a GPADL_HEADER");
_Static_assert(VMBUS_GPADL_BODY_PFNS == 28, "28 PFNs in a GPADL_BODY");

/* ---- Ring buffers (Linux struct hv_ring_buffer; QEMU vmbus_ring_buffer) ----
 * One page of header, then the data area. Indices are byte offsets into the
 * data area; read == write means empty and a writer never fills it
 * completely, so full and empty stay distinguishable. */
#define VMBUS_PAGE_SIZE 4096u
#define VMBUS_RING_FEAT_PENDING_SEND_SZ 0x1u

struct vmbus_ring_header {
    uint32_t write_index;
    uint32_t read_index;
    uint32_t interrupt_mask;   /* consumer sets 1: "do not signal me" */
    uint32_t pending_send_sz;  /* producer: free bytes it waits for; 0 = not blocked */
    uint32_t reserved1[12];
    uint32_t feature_bits;     /* VMBUS_RING_FEAT_* */
    uint8_t reserved2[4028];
};  /* not packed: the indices are accessed atomically, so keep them aligned */
_Static_assert(sizeof(struct vmbus_ring_header) == VMBUS_PAGE_SIZE, "ring header");
_Static_assert(VMBUS_PAGE_SIZE == HV_PAGE_SIZE, "ring pages are TLFS pages");
_Static_assert(offsetof(struct vmbus_ring_header, write_index) == 0, "write_index @0");
_Static_assert(offsetof(struct vmbus_ring_header, read_index) == 4, "read_index @4");
_Static_assert(offsetof(struct vmbus_ring_header, interrupt_mask) == 8, "interrupt_mask @8");
_Static_assert(offsetof(struct vmbus_ring_header, pending_send_sz) == 12, "pending_send_sz @12");
_Static_assert(offsetof(struct vmbus_ring_header, feature_bits) == 64, "feature_bits @64");

/* Packet descriptor (Linux struct vmpacket_descriptor). Lengths in 8-byte
 * units; len8 covers descriptor + extra header + payload, not the trailer. */
struct vmbus_packet_desc {
    uint16_t type;
    uint16_t offset8;          /* payload offset from descriptor start */
    uint16_t len8;             /* whole packet, padded */
    uint16_t flags;            /* VMBUS_PKT_FLAG_* */
    uint64_t trans_id;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_packet_desc) == 16, "desc");
_Static_assert(offsetof(struct vmbus_packet_desc, offset8) == 2, "offset8 @2");
_Static_assert(offsetof(struct vmbus_packet_desc, len8) == 4, "len8 @4");
_Static_assert(offsetof(struct vmbus_packet_desc, flags) == 6, "flags @6");
_Static_assert(offsetof(struct vmbus_packet_desc, trans_id) == 8, "trans_id @8");
/* After each packet: a u64 "previous indices" word. Linux hv_ringbuffer_write
 * and FreeBSD vmbus_txbr_write store the packet's start offset in its upper
 * 32 bits (lower 32 bits 0); readers skip it. */
#define VMBUS_PKT_TRAILER_SIZE 8u
#define VMBUS_PKT_TRAILER(start_offset) ((uint64_t)(uint32_t)(start_offset) << 32)
#define VMBUS_PKT_ALIGN 8u         /* packets and the indices are 8-byte aligned */
#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED 0x1u

enum vmbus_packet_type {
    VMBUS_PKT_INVALID = 0,
    VMBUS_PKT_SYNCH = 1,
    VMBUS_PKT_ADD_XFER_PAGESET = 2,
    VMBUS_PKT_RM_XFER_PAGESET = 3,
    VMBUS_PKT_ESTABLISH_GPADL = 4,
    VMBUS_PKT_TEARDOWN_GPADL = 5,
    VMBUS_PKT_DATA_INBAND = 6,
    VMBUS_PKT_DATA_USING_XFER_PAGES = 7,
    VMBUS_PKT_DATA_USING_GPADL = 8,
    VMBUS_PKT_DATA_USING_GPA_DIRECT = 9,
    VMBUS_PKT_CANCEL_REQUEST = 10,
    VMBUS_PKT_COMP = 11,
    VMBUS_PKT_DATA_USING_ADDITIONAL_PKT = 12,
    VMBUS_PKT_ADDITIONAL_DATA = 13,
};

/* ---- Device class GUIDs (Linux include/linux/hyperv.h HV_*_GUID) ---- */
#define VMBUS_CLASS_HEARTBEAT VMBUS_GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
#define VMBUS_CLASS_SHUTDOWN  VMBUS_GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
#define VMBUS_CLASS_TIMESYNC  VMBUS_GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
#define VMBUS_CLASS_KVP       VMBUS_GUID(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6)
#define VMBUS_CLASS_VSS       VMBUS_GUID(0x35fa2e29, 0xea23, 0x4236, 0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40)
#define VMBUS_CLASS_KEYBOARD  VMBUS_GUID(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84)
#define VMBUS_CLASS_MOUSE     VMBUS_GUID(0xcfa8b69e, 0x5b4a, 0x4cc0, 0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a)
#define VMBUS_CLASS_VIDEO     VMBUS_GUID(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8)
#define VMBUS_CLASS_SCSI      VMBUS_GUID(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
#define VMBUS_CLASS_NETWORK   VMBUS_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)
#define VMBUS_CLASS_BALLOON   VMBUS_GUID(0x525074dc, 0x8985, 0x46e2, 0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02)
/* sinter's own echo/stream device, not a Hyper-V class (only the model
 * offers it): 73696e74-6572-4563-686f-000000000001 ("sint" "er" "Ec" "ho").
 * Every in-band packet comes back unchanged (same trans_id); a completion
 * (VMBUS_PKT_COMP, same trans_id, empty payload) follows when the guest
 * requested one. */
#define VMBUS_CLASS_SINTER_ECHO \
    VMBUS_GUID(0x73696e74, 0x6572, 0x4563, 0x68, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01)

/* The class's short name ("heartbeat", "scsi", ...; "unknown" if not in the
 * list above). vmbus_class_names.c. */
const char *vmbus_class_name(const struct vmbus_guid *class_id);

#endif
