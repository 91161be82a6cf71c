/* test=conformance: checks of a Hyper-V host against the TLFS and the VMBus
 * protocol, safe to run on a real hypervisor (nothing destructive: no
 * rescind, no unload, no reset; every probe writes back what it read or
 * names a connection no host has). Each check is a pure function over a
 * struct conf_host, the host as the checks reach it: the kernel passes the
 * real path (conformance_test.c), host tests a deliberately wrong host
 * (tests/host/conformance_test.c). One line per check:
 *   conformance: pass <name>: <rule>
 *   conformance: FAIL <name>: <rule> (<what was seen>)
 *   conformance: skip <name>: <rule> (<reason>)
 * then "conformance: N pass, N fail, N skip". Checks, rules and sources:
 * docs/conformance.md. */
#ifndef SINTER_KERNEL_TESTS_CONFORMANCE_H
#define SINTER_KERNEL_TESTS_CONFORMANCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One synthetic-timer run: a one-shot of ns armed in the given mode. */
struct conf_stimer_run {
    bool fired;                /* the callback ran within the bounded wait */
    unsigned callbacks;        /* how many times, counted after a quiet wait */
    uint64_t armed_ref;        /* TIME_REF_COUNT read just before arming */
    uint64_t fired_ref;        /* TIME_REF_COUNT read in the callback */
};

/* VMBus as the guest sees it after boot. */
struct conf_vmbus {
    bool connected;
    uint32_t version;          /* VMBUS_VERSION(major, minor) */
    unsigned channels;         /* offers in the channel table */
    unsigned ics;              /* channels bound to an IC driver */
    unsigned ics_negotiated;   /* of those, NEGOTIATE answered */
    unsigned open_channels;
    unsigned channels_interrupted;  /* open channels that took >= 1 interrupt */
};

enum conf_stimer_mode { CONF_STIMER_DIRECT, CONF_STIMER_MESSAGE };

struct conf_host {
    void (*cpuid)(uint32_t leaf, uint32_t out[4]);   /* EAX..EDX, subleaf 0 */
    int (*rdmsr)(uint32_t msr, uint64_t *val);       /* 0, or -1 for #GP */
    int (*wrmsr)(uint32_t msr, uint64_t val);
    /* Through the hypercall page: RAX (status in 15:0). */
    uint64_t (*hypercall)(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
    uint64_t (*hypercall_fast)(uint64_t control, uint64_t p1, uint64_t p2);
    /* A page for memory-form inputs, and its GPA; NULL: those checks skip. */
    void *input;
    uint64_t input_gpa;
    /* Reference time read from the reference TSC page; false when no valid
     * page (never set up, or sequence 0: "use the MSR"). */
    bool (*ref_time_page)(uint64_t *time_100ns);
    /* Run a one-shot of ns on timer 0 in that mode and wait for it (bounded);
     * -1 when the guest cannot use the mode. */
    int (*stimer_oneshot)(enum conf_stimer_mode mode, uint64_t ns, struct conf_stimer_run *out);
    /* false: no VMBus client ran. */
    bool (*vmbus_view)(struct conf_vmbus *out);
    /* MODIFYCHANNEL one bound channel to another VP and back: 0, 1 when no
     * channel could be used (skip), else the failing step's error (<0). */
    int (*vmbus_retarget)(char *what, size_t n);
};

enum conf_verdict { CONF_PASS, CONF_FAIL, CONF_SKIP };

/* What a check saw (FAIL) or why it did not run (skip). */
struct conf_out { char text[160]; };

/* fn gets arg: one function serves the checks that differ only in data
 * (the image has a size budget). */
struct conf_check {
    const char *text;   /* "<name>\0<rule>": one pointer, not two */
    enum conf_verdict (*fn)(const struct conf_host *h, unsigned arg, struct conf_out *o);
    unsigned arg;
};
#define CONF_CHECK(name, rule, fn, arg) { name "\0" rule, fn, arg }
/* A group's checks, in report order, and their count. */
#define CONF_GROUP(g, ...)                                          \
    const struct conf_check conf_##g##_checks[] = { __VA_ARGS__ }; \
    const size_t conf_##g##_count = sizeof conf_##g##_checks / sizeof conf_##g##_checks[0]
#define CONF_RULE(c) ((c)->text + __builtin_strlen((c)->text) + 1)

struct conf_group { const struct conf_check *checks; const size_t *n; };

/* Each group's checks (one file each), and the groups in report order. */
#define CONF_GROUP_DECL(g) extern const struct conf_check conf_##g##_checks[]; \
    extern const size_t conf_##g##_count
CONF_GROUP_DECL(cpuid);
CONF_GROUP_DECL(msr);
CONF_GROUP_DECL(hcall);
CONF_GROUP_DECL(time);
CONF_GROUP_DECL(vmbus);

/* Set o->text and return v (printf-style). */
enum conf_verdict conf_say(struct conf_out *o, enum conf_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define conf_fail(o, ...) conf_say(o, CONF_FAIL, __VA_ARGS__)
#define conf_skip(o, ...) conf_say(o, CONF_SKIP, __VA_ARGS__)

struct conf_tally { unsigned pass, fail, skip; };
/* Run one check, print its line through print (without the "conformance: "
 * prefix the caller adds), count it. */
enum conf_verdict conf_run_one(const struct conf_check *c, const struct conf_host *h,
                               struct conf_tally *t, void (*print)(const char *line));
/* Every group in order, then the summary line. */
void conf_run_all(const struct conf_host *h, struct conf_tally *t, void (*print)(const char *line));
#define CONF_GROUPS 5
extern const struct conf_group conf_groups[CONF_GROUPS];

/* Shared by the check files: features the host states in CPUID. */
struct hv_info;
void conf_read_info(const struct conf_host *h, struct hv_info *info);
/* True when CPUID's feature leaves are valid and 0x40000003 EAX has all of
 * priv_bits; else o says so (a skip). */
bool conf_offered(const struct conf_host *h, uint32_t priv_bits, struct conf_out *o);
/* A connection id no host has (the hypercall probes aim there, so a host
 * that wrongly accepts one still delivers nothing). */
#define CONF_NO_CONNECTION 0x7e0053u

#endif
