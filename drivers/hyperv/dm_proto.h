/* Hyper-V Dynamic Memory (DM, "hv_balloon") wire format, shared by the
 * guest driver (drivers/dm) and the model's DM endpoint
 * (drivers/hvsim/vmbus_host_dm.c). Facts from QEMU
 * include/hw/hyperv/dynmem-proto.h and Linux drivers/hv/hv_balloon.c
 * (docs/dynamic-memory.md lists them). Every message is one in-band VMBus
 * packet starting with struct dm_header; size counts the header. The C
 * bitfields of those sources are written here as whole words with masks,
 * so the layout does not depend on the compiler. */
#ifndef SINTER_HYPERV_DM_PROTO_H
#define SINTER_HYPERV_DM_PROTO_H
#include <stddef.h>
#include <stdint.h>

/* The channel class is VMBUS_CLASS_BALLOON (drivers/hyperv/vmbus_proto.h; QEMU
 * hv-balloon HV_BALLOON_GUID, Linux HV_DM_GUID). */

/* Versions: major in the high 16 bits, minor in the low 16. */
#define DM_VERSION(maj, min) ((uint32_t)(((uint32_t)(maj) << 16) | (uint32_t)(min)))
#define DM_VERSION_WIN7  DM_VERSION(0, 3)
#define DM_VERSION_WIN8  DM_VERSION(1, 0)
#define DM_VERSION_WIN10 DM_VERSION(2, 0)

enum dm_msg_type {
    DM_ERROR = 0,
    DM_VERSION_REQUEST = 1,
    DM_VERSION_RESPONSE = 2,
    DM_CAPABILITIES_REPORT = 3,
    DM_CAPABILITIES_RESPONSE = 4,
    DM_STATUS_REPORT = 5,
    DM_BALLOON_REQUEST = 6,
    DM_BALLOON_RESPONSE = 7,
    DM_UNBALLOON_REQUEST = 8,
    DM_UNBALLOON_RESPONSE = 9,
    DM_MEM_HOT_ADD_REQUEST = 10,
    DM_MEM_HOT_ADD_RESPONSE = 11,
    DM_INFO_MESSAGE = 12,            /* 1.0 */
    DM_MEM_HOT_REMOVE_REQUEST = 13,  /* 2.0 */
    DM_MEM_HOT_REMOVE_RESPONSE = 14,
    DM_MSG_TYPE_COUNT
};

struct dm_header {
    uint16_t type;
    uint16_t size;      /* bytes, header included */
    uint32_t trans_id;  /* made by the requester, echoed in the response */
};

/* A page range: start PFN in bits 39:0, page count in bits 63:40. */
#define DM_RANGE_START(r) ((r) & 0xffffffffffull)
#define DM_RANGE_COUNT(r) ((uint32_t)((r) >> 40))
#define DM_RANGE(start, count) (((uint64_t)(start) & 0xffffffffffull) | ((uint64_t)(count) << 40))
#define DM_RANGE_MAX_COUNT 0xffffffu
#define DM_PFN_MAX 0xffffffffffull

/* guest -> host; bit 0 of flags: is_last_attempt */
struct dm_version_request {
    struct dm_header hdr;
    uint32_t version;
    uint32_t flags;
};
#define DM_VERSION_LAST_ATTEMPT 1u

/* host -> guest; bit 0: is_accepted */
struct dm_version_response {
    struct dm_header hdr;
    uint64_t flags;
};
#define DM_ACCEPTED 1u

/* guest -> host. caps bit 0 balloon, bit 1 hot_add, bits 5:2 hot-add
 * alignment (2^n MiB), bit 6 hot_remove. */
struct dm_capabilities {
    struct dm_header hdr;
    uint64_t caps;
    uint64_t min_page_cnt;
    uint64_t max_page_number;
};
#define DM_CAP_BALLOON    (1ull << 0)
#define DM_CAP_HOT_ADD    (1ull << 1)
#define DM_CAP_HOT_REMOVE (1ull << 6)

/* host -> guest: bit 0 is_accepted, bit 1 hot_remove, bit 2
 * suppress_pressure_reports. */
struct dm_capabilities_response {
    struct dm_header hdr;
    uint64_t flags;
};
#define DM_CAPS_RESP_HOT_REMOVE (1ull << 1)
#define DM_CAPS_RESP_SUPPRESS_STATUS (1ull << 2)

/* guest -> host, no response; counts in pages. */
struct dm_status {
    struct dm_header hdr;
    uint64_t num_avail;
    uint64_t num_committed;
    uint64_t page_file_size;
    uint64_t zero_free;
    uint32_t page_file_writes;
    uint32_t io_diff;
};

/* host -> guest: take num_pages pages away from the guest. */
struct dm_balloon {
    struct dm_header hdr;
    uint32_t num_pages;
    uint32_t reservedz;
};

/* guest -> host: bit 0 of more_and_count more_pages, bits 31:1 the number of
 * ranges that follow. */
struct dm_balloon_response {
    struct dm_header hdr;
    uint32_t reservedz;
    uint32_t more_and_count;
    /* uint64_t ranges[count] */
};

/* host -> guest: bit 0 of flags more_pages; then range_count ranges. */
struct dm_unballoon_request {
    struct dm_header hdr;
    uint32_t flags;
    uint32_t range_count;
    /* uint64_t ranges[range_count] */
};
#define DM_MORE_PAGES 1u

struct dm_unballoon_response {
    struct dm_header hdr;
};

struct dm_hot_add {
    struct dm_header hdr;
    uint64_t range;
    /* Linux and QEMU send a second range (the region) after it. */
};

/* result: 1 success, 0 failure. */
struct dm_hot_add_response {
    struct dm_header hdr;
    uint32_t page_count;
    uint32_t result;
};

struct dm_info_msg {
    struct dm_header hdr;
    uint32_t reserved;
    uint32_t info_size;
    /* uint8_t info[info_size] */
};

_Static_assert(sizeof(struct dm_header) == 8, "dm_header");
_Static_assert(sizeof(struct dm_version_request) == 16, "dm_version_request");
_Static_assert(sizeof(struct dm_version_response) == 16, "dm_version_response");
_Static_assert(sizeof(struct dm_capabilities) == 32, "dm_capabilities");
_Static_assert(sizeof(struct dm_capabilities_response) == 16, "dm_capabilities_response");
_Static_assert(sizeof(struct dm_status) == 48, "dm_status");
_Static_assert(offsetof(struct dm_status, page_file_writes) == 40, "dm_status writes");
_Static_assert(sizeof(struct dm_balloon) == 16, "dm_balloon");
_Static_assert(sizeof(struct dm_balloon_response) == 16, "dm_balloon_response");
_Static_assert(sizeof(struct dm_unballoon_request) == 16, "dm_unballoon_request");
_Static_assert(offsetof(struct dm_unballoon_request, range_count) == 12, "unballoon count");
_Static_assert(sizeof(struct dm_unballoon_response) == 8, "dm_unballoon_response");
_Static_assert(sizeof(struct dm_hot_add) == 16, "dm_hot_add");
_Static_assert(sizeof(struct dm_hot_add_response) == 16, "dm_hot_add_response");
_Static_assert(sizeof(struct dm_info_msg) == 16, "dm_info_msg");

#endif
