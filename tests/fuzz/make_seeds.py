#!/usr/bin/env python3
"""Write the hand-made seed inputs of the fuzz targets into tests/fuzz/corpus.

Each seed is a well-formed conversation in the target's input format (the
comment at the top of each tests/fuzz/*_fuzz.c), so the fuzzer starts from
inputs that reach deep states instead of finding them byte by byte. Wire
layouts are those of drivers/hyperv/vmbus_proto.h and ic_proto.h (their
sources are named there); the MADT entries are ACPI 6.5 5.2.12.

  python3 tests/fuzz/make_seeds.py          (rewrites the named seeds)
  python3 tests/fuzz/make_seeds.py --check  (TAP, one line per seed; exit 1
                                            if a seed is stale or missing)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def guid(a, b, c, rest):
    return struct.pack("<IHH", a, b, c) + bytes(rest)


HEARTBEAT = guid(0x57164F39, 0x9115, 0x4E78, [0xAB, 0x55, 0x38, 0x2F, 0x3B, 0xD5, 0x42, 0x2D])
SHUTDOWN = guid(0x0E0B6031, 0x5213, 0x4934, [0x81, 0x8B, 0x38, 0xD9, 0x0C, 0xED, 0x39, 0xDB])
TIMESYNC = guid(0x9527E630, 0xD0AE, 0x497B, [0xAD, 0xCE, 0xE8, 0x0A, 0xB0, 0x17, 0x5C, 0xAF])
FIRST_GPADL = 0xE1E10  # vmbus_conn.c: the guest's first GPADL handle per connect

# ---- vmbus_chanmsg items (tests/fuzz/vmbus_chanmsg_fuzz.c) ----


def hdr(msgtype):
    return struct.pack("<II", msgtype, 0)


def msg(body):
    assert len(body) <= 0xDF
    return bytes([len(body)]) + body


def version_response(supported=1, state=0, conn_id=0):
    return msg(hdr(15) + struct.pack("<BBHI", supported, state, 0, conn_id))


def offer(cls, relid, instance_byte):
    body = cls + bytes([instance_byte] * 16) + bytes(16)  # if_instance, reserved1/2
    body += struct.pack("<HH", 0, 0) + bytes(120) + struct.pack("<HH", 0, 0)
    body += struct.pack("<IBBHI", relid, 0, 0, 1, 0x10000 + relid)
    return msg(hdr(1) + body)


def alloffers():
    return msg(hdr(4))


def gpadl_created(relid, gpadl, status=0):
    return msg(hdr(10) + struct.pack("<III", relid, gpadl, status))


def open_result(relid, status=0):
    return msg(hdr(6) + struct.pack("<III", relid, relid, status))  # openid = relid


def rescind(relid):
    return msg(hdr(2) + struct.pack("<I", relid))


def unload_response():
    return msg(hdr(17))


def gpadl_torndown(gpadl):
    return msg(hdr(12) + struct.pack("<I", gpadl))


def end_of_poll():
    return b"\xef"


def ring_bytes(channel, data):
    return b"\xe0" + struct.pack("<BH", channel, len(data)) + data


def index_rewrite(channel, inbound, field, value):
    return b"\xe8" + struct.pack("<BBI", channel, (4 if inbound else 0) | field, value)


def sief_word(index, bits):
    return b"\xf0" + struct.pack("<BQ", index, bits)


def ic_payload(msgtype, body, fw=(3, 0), ver=(3, 0), flags=0x3):
    """Pipe header, IC header, body: what a host puts in an in-band packet."""
    ic = struct.pack("<HHHHHHIBBH", fw[0], fw[1], msgtype, ver[0], ver[1], len(body), 0, 0, flags, 0)
    return struct.pack("<II", 1, len(ic) + len(body)) + ic + body


def ring_packet(payload, trans_id, start):
    """A VMBUS_PKT_DATA_INBAND packet as a host writes it: descriptor, the
    payload padded to 8 bytes, then the previous-indices trailer."""
    padded = payload + bytes(-len(payload) % 8)
    desc = struct.pack("<HHHHQ", 6, 2, (16 + len(padded)) // 8, 0, trans_id)
    return desc + padded + struct.pack("<Q", start << 32)


def negotiate_body(fw_versions, msg_versions):
    body = struct.pack("<HHI", len(fw_versions), len(msg_versions), 0)
    for v in fw_versions + msg_versions:
        body += struct.pack("<HH", *v)
    return body


def connect_one(cls, relid):
    """Connect and open one IC channel: answers in the order the guest waits."""
    return (version_response() + offer(cls, relid, relid) + alloffers()
            + gpadl_created(relid, FIRST_GPADL) + open_result(relid))


def chanmsg_seeds():
    hb_neg = ring_packet(ic_payload(0, negotiate_body([(3, 0), (1, 0)], [(3, 0), (1, 0)])), 1, 0)
    hb_msg = ring_packet(ic_payload(1, struct.pack("<Q", 7) + bytes(32)), 2, len(hb_neg))
    sd_neg = ring_packet(ic_payload(0, negotiate_body([(3, 0)], [(3, 0)])), 1, 0)
    seeds = {
        # Heartbeat opened, negotiated from the ring, one beat, clean unload.
        "heartbeat_ring": connect_one(HEARTBEAT, 1) + ring_bytes(0, hb_neg) + ring_bytes(0, hb_msg)
        + end_of_poll() + gpadl_torndown(FIRST_GPADL) + unload_response(),
        # The host rewrites the inbound write index past the data after attach.
        "index_rewrite": connect_one(HEARTBEAT, 1) + ring_bytes(0, hb_neg)
        + index_rewrite(0, True, 0, 0x7FFFFFF8) + sief_word(0, 2) + index_rewrite(0, False, 1, 12)
        + end_of_poll() + unload_response(),
        # Disconnect answered out of order and with a wrong GPADL.
        "disconnect_answers": connect_one(TIMESYNC, 3) + end_of_poll() + unload_response()
        + gpadl_torndown(FIRST_GPADL + 1) + gpadl_torndown(FIRST_GPADL),
        # Shutdown request with the full 2,060-byte body a host sends.
        "shutdown_full": connect_one(SHUTDOWN, 2) + ring_bytes(0, sd_neg)
        + ring_bytes(0, ring_packet(ic_payload(3, struct.pack("<III", 0, 0, 1) + bytes(2048)), 2, len(sd_neg)))
        + end_of_poll() + unload_response(),
        # Rescinded while open.
        "rescind_open": connect_one(HEARTBEAT, 1) + rescind(1) + sief_word(0, 2) + end_of_poll()
        + unload_response(),
    }
    return seeds


# ---- vmbus_ic (tests/fuzz/vmbus_ic_fuzz.c): service byte, then the payload ----

def ic_select(service, v4, room8=0):
    """The target's first byte: service = byte % 3 (heartbeat, shutdown,
    timesync), bit 2 = version 4.0 negotiated, high nibble = reply room."""
    for b in range(256):
        if b % 3 == service and bool(b & 4) == v4 and b >> 4 == room8:
            return bytes([b])
    raise ValueError("no selector byte")


def ic_seeds():
    neg = negotiate_body([(3, 0), (1, 0)], [(4, 0), (3, 0), (1, 0)])
    return {
        "heartbeat_negotiate": ic_select(0, False) + ic_payload(0, neg),
        "heartbeat_beat": ic_select(0, False) + ic_payload(1, struct.pack("<Q", 41) + bytes(32)),
        "shutdown_request": ic_select(1, False) + ic_payload(3, struct.pack("<III", 0, 30, 1) + bytes(2048)),
        "timesync_v3": ic_select(2, False) + ic_payload(4, struct.pack("<QQQB", 133_000_000_000_000_000, 0, 0, 1)),
        "timesync_v4": ic_select(2, True) + ic_payload(4, struct.pack("<QQBbb3x", 133_000_000_000_000_000, 5, 2, 0, 0),
                                                   ver=(4, 0)),
    }


# ---- madt (tests/fuzz/madt_fuzz.c): an ACPI MADT as the firmware gives it ----

def madt(entries):
    body = struct.pack("<II", 0xFEE00000, 1) + b"".join(entries)
    length = 36 + len(body)
    head = b"APIC" + struct.pack("<IBB", length, 5, 0) + b"SINTER" + b"SEEDMADT" + struct.pack("<I4sI", 1, b"SNTR", 1)
    table = bytearray(head + body)
    table[9] = (-sum(table)) & 0xFF
    return bytes(table)


def lapic(uid, apic_id, flags):
    return struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)


def x2apic(x2id, flags, uid):
    return struct.pack("<BBHIII", 9, 16, 0, x2id, flags, uid)


def ioapic(ioid, addr):
    return struct.pack("<BBBBII", 1, 12, ioid, 0, addr, 0)


def madt_seeds():
    return {
        "two_lapics_ioapic": madt([lapic(0, 0, 1), lapic(1, 1, 1), ioapic(0, 0xFEC00000)]),
        "x2apic_above_255": madt([lapic(0, 0, 1), x2apic(256, 1, 1), x2apic(0x10000, 1, 2)]),
        "online_capable_and_dup": madt([lapic(0, 0, 1), lapic(1, 1, 2), x2apic(0, 1, 0)]),
    }


# Dynamic Memory (tests/fuzz/dm_fuzz.c): byte 0 the phase (2: ready), then
# messages as u16 length + bytes; layouts of drivers/hyperv/dm_proto.h.
def dm_msg(mtype, body, tid=9):
    m = struct.pack("<HHI", mtype, 8 + len(body), tid) + body
    return struct.pack("<H", len(m)) + m


def dm_range(pfn, count):
    return struct.pack("<Q", pfn | count << 40)


def dm_seeds():
    balloon = dm_msg(6, struct.pack("<II", 600, 0))
    # Pool pages start at PFN 0x1000 (tests/host/dm_fake_pool.h); the first
    # balloon takes 512 + 88 there.
    unballoon_across = dm_msg(8, struct.pack("<II", 0, 1) + dm_range(0x1000 + 500, 20))
    unballoon_rest = dm_msg(8, struct.pack("<II", 0, 2) + dm_range(0x1000, 500) +
                            dm_range(0x1000 + 520, 80))
    return {
        "negotiate": bytes([0]) + dm_msg(2, struct.pack("<Q", 1), tid=1) +
                     dm_msg(4, struct.pack("<Q", 1), tid=2),
        "balloon_unballoon": bytes([2]) + balloon + unballoon_across + unballoon_rest,
        "hot_add_and_info": bytes([2]) + dm_msg(10, dm_range(0x200000, 512) * 2) +
                            dm_msg(12, struct.pack("<II", 0, 4) + b"info"),
    }


def main():
    check = "--check" in sys.argv[1:]
    stale = 0
    for target, seeds in (("vmbus_chanmsg", chanmsg_seeds()), ("vmbus_ic", ic_seeds()),
                          ("madt", madt_seeds()), ("dm", dm_seeds())):
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            path = os.path.join(d, name)
            old = open(path, "rb").read() if os.path.exists(path) else None
            if check:
                if old == data:
                    print("ok - seed %s/%s matches make_seeds.py" % (target, name))
                else:
                    print("not ok - seed %s/%s is %s (run tests/fuzz/make_seeds.py)"
                          % (target, name, "missing" if old is None else "stale"))
                    stale += 1
                continue
            if old == data:
                continue
            else:
                with open(path, "wb") as f:
                    f.write(data)
                print("make_seeds: wrote %s/%s (%d bytes)" % (target, name, len(data)))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
