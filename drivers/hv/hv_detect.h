/* Hyper-V detection as a pure function over recorded CPUID leaves, so the
 * same code decides on real hardware, under the model, and in host tests. */
#ifndef SINTER_DRIVERS_HV_DETECT_H
#define SINTER_DRIVERS_HV_DETECT_H
#include <stdbool.h>
#include <stdint.h>

enum { HV_CPUID_REG_EAX, HV_CPUID_REG_EBX, HV_CPUID_REG_ECX, HV_CPUID_REG_EDX };
#define HV_CPUID_NLEAVES 7 /* 0x40000000 .. 0x40000006 */

/* What the caller read: CPUID.1:ECX and leaves 0x40000000+i. Leaves the CPU
 * was not asked about may hold anything; detection decides what to trust. */
struct hv_cpuid_leaves {
    uint32_t leaf1_ecx;
    uint32_t leaf[HV_CPUID_NLEAVES][4];
};

struct hv_info {
    bool hypervisor_present;   /* CPUID.1:ECX.31 */
    bool hv1_interface;        /* 0x40000001 EAX == "Hv#1" */
    bool features_valid;       /* max leaf >= 0x40000005 and Hv#1 */
    char vendor[13];
    uint32_t max_leaf;
    uint32_t interface;
    /* 0x40000002 */
    uint32_t build, major, minor;
    /* 0x40000003..6, zero unless features_valid */
    uint32_t priv_lo, priv_hi, features_edx;
    uint32_t recommendations, spin_retries, phys_addr_bits;
    uint32_t max_vps, max_lps, hw_features;
    /* decoded */
    bool has_hypercall, has_vp_index, has_synic, has_stimer, has_stimer_direct;
    bool has_ref_tsc, has_time_ref_count, has_freq_msrs;
    bool can_post_messages, can_signal_events, isolated;
    bool deprecate_auto_eoi;
};

void hv_detect_parse(const struct hv_cpuid_leaves *in, struct hv_info *out);
/* Read CPUID.1 and the leaves 0x40000000.. through cpuid (only when the
 * hypervisor bit says they mean anything), then parse them. No log line. */
void hv_detect_read(void (*cpuid)(uint32_t leaf, uint32_t out[4]), struct hv_info *out);

/* NULL when the hypervisor offers what the guest needs (hypercall MSRs,
 * VP index, SynIC, post/signal privileges), else the name of what is missing. */
const char *hv_detect_missing(const struct hv_info *info);

/* Logs the result in readable form (several lines, once at boot). */
void hv_detect_print(const struct hv_info *info);

#endif
