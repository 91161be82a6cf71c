/* Integration component (IC, "util") framing on VMBus: every IC packet is
 * VMBUS_PKT_DATA_INBAND whose payload is a pipe header, an IC header, then
 * the body. Declared once for the guest's IC drivers (drivers/hvutil) and
 * the model's IC endpoints (drivers/hvsim/vmbus_host_devices.c).
 *
 * Facts from: Linux include/linux/hyperv.h (vmbuspipe_hdr, icmsg_hdr,
 * icmsg_negotiate, heartbeat_msg_data, shutdown_msg_data, ictimesync_data,
 * ictimesync_ref_data), drivers/hv/hv_util.c and drivers/hv/channel_mgmt.c
 * vmbus_prep_negotiate_resp; OpenVMM vm/devices/hyperv_ic_protocol. All
 * fields little-endian, packed. */
#ifndef SINTER_HYPERV_IC_PROTO_H
#define SINTER_HYPERV_IC_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct ic_version {
    uint16_t major;
    uint16_t minor;
} __attribute__((packed));

struct ic_pipe_header {            /* Linux struct vmbuspipe_hdr */
    uint32_t flags;
    uint32_t msgsize;
} __attribute__((packed));

struct ic_msg_header {             /* Linux struct icmsg_hdr */
    struct ic_version icverframe;
    uint16_t icmsgtype;
    struct ic_version icvermsg;
    uint16_t icmsgsize;
    uint32_t status;
    uint8_t ictransaction_id;
    uint8_t icflags;
    uint8_t reserved[2];
} __attribute__((packed));

/* pipe header flags of every host IC packet (OpenVMM hyperv_ic
 * PIPE_PACKET_TYPE_DATA; its guest-side reader refuses any other). */
#define IC_PIPE_PACKET_TYPE_DATA 1u
/* The IC transaction id a host sends, and wants back (OpenVMM). */
#define IC_HOST_TRANSACTION_ID   0u

/* The IC message body starts after the pipe header and the IC header. */
#define IC_HEADER_SIZE (sizeof(struct ic_pipe_header) + sizeof(struct ic_msg_header))
_Static_assert(sizeof(struct ic_version) == 4, "ic version");
_Static_assert(sizeof(struct ic_pipe_header) == 8, "pipe hdr");
_Static_assert(offsetof(struct ic_pipe_header, msgsize) == 4, "msgsize @4");
_Static_assert(sizeof(struct ic_msg_header) == 20, "icmsg hdr");
_Static_assert(offsetof(struct ic_msg_header, icmsgtype) == 4, "icmsgtype @4");
_Static_assert(offsetof(struct ic_msg_header, icvermsg) == 6, "icvermsg @6");
_Static_assert(offsetof(struct ic_msg_header, icmsgsize) == 10, "icmsgsize @10");
_Static_assert(offsetof(struct ic_msg_header, status) == 12, "status @12");
_Static_assert(offsetof(struct ic_msg_header, ictransaction_id) == 16, "transaction id @16");
_Static_assert(offsetof(struct ic_msg_header, icflags) == 17, "icflags @17");
_Static_assert(IC_HEADER_SIZE == 28, "ICMSG_HDR");

enum ic_msgtype {
    IC_MSGTYPE_NEGOTIATE = 0,
    IC_MSGTYPE_HEARTBEAT = 1,
    IC_MSGTYPE_KVPEXCHANGE = 2,
    IC_MSGTYPE_SHUTDOWN = 3,
    IC_MSGTYPE_TIMESYNC = 4,
    IC_MSGTYPE_VSS = 5,
    IC_MSGTYPE_FCOPY = 7,
};
#define IC_FLAG_TRANSACTION 0x1u
#define IC_FLAG_REQUEST     0x2u
#define IC_FLAG_RESPONSE    0x4u
#define IC_STATUS_OK        0x00000000u  /* HV_S_OK */
#define IC_STATUS_FAIL      0x80004005u  /* HV_E_FAIL */
#define IC_MAX_VERSION_COUNT 100u         /* Linux IC_VERSION_NEGOTIATION_MAX_VER_COUNT */

struct ic_negotiate {              /* followed by (fw + msg) ic_version entries */
    uint16_t icframe_vercnt;
    uint16_t icmsg_vercnt;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct ic_negotiate) == 8, "negotiate");

struct ic_heartbeat_msg {
    uint64_t seq_num;
    uint32_t reserved[8];
} __attribute__((packed));
_Static_assert(sizeof(struct ic_heartbeat_msg) == 40, "heartbeat");

#define IC_SHUTDOWN_FLAG_FORCED    0x1u
#define IC_SHUTDOWN_FLAG_REBOOT    0x2u
#define IC_SHUTDOWN_FLAG_HIBERNATE 0x4u
struct ic_shutdown_msg {
    uint32_t reason_code;
    uint32_t timeout_seconds;
    uint32_t flags;
    uint8_t display_message[2048];
} __attribute__((packed));
_Static_assert(sizeof(struct ic_shutdown_msg) == 2060, "shutdown body");
_Static_assert(offsetof(struct ic_shutdown_msg, flags) == 8, "shutdown flags @8");
/* Only the three u32s are needed; hosts may send a short display message. */
#define IC_SHUTDOWN_MIN_LEN 12u

#define IC_TIMESYNC_FLAG_PROBE  0u
#define IC_TIMESYNC_FLAG_SYNC   1u
#define IC_TIMESYNC_FLAG_SAMPLE 2u
/* parenttime counts 100 ns units since 1601-01-01; this is 1970-01-01. */
#define IC_TIMESYNC_UNIX_EPOCH_100NS 116444736000000000ull
struct ic_timesync_msg {           /* message versions < 4.0 */
    uint64_t parenttime;
    uint64_t childtime;
    uint64_t roundtriptime;
    uint8_t flags;
} __attribute__((packed));
struct ic_timesync_ref_msg {       /* message version 4.0 */
    uint64_t parenttime;
    uint64_t vmreferencetime;
    uint8_t flags;
    int8_t leapflags;
    int8_t stratum;
    uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct ic_timesync_msg) == 25, "timesync");
_Static_assert(offsetof(struct ic_timesync_msg, flags) == 24, "timesync flags @24");
_Static_assert(sizeof(struct ic_timesync_ref_msg) == 22, "timesync ref");
_Static_assert(offsetof(struct ic_timesync_ref_msg, vmreferencetime) == 8, "vmreferencetime @8");
_Static_assert(offsetof(struct ic_timesync_ref_msg, flags) == 16, "timesync ref flags @16");
_Static_assert(offsetof(struct ic_timesync_ref_msg, stratum) == 18, "stratum @18");

#endif
