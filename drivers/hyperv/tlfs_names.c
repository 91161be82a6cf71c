/* Names for TLFS numbers, so logs and traces show words: hypercall status
 * codes and synthetic MSRs. A table of the wire's names, not behaviour: the
 * guest and the model both print with it. */
#include "drivers/hyperv/tlfs.h"

const char *hv_status_name(uint64_t status)
{
    switch (status & HV_HYPERCALL_RESULT_MASK) {
    case HV_STATUS_SUCCESS:                  return "SUCCESS";
    case HV_STATUS_INVALID_HYPERCALL_CODE:   return "INVALID_HYPERCALL_CODE";
    case HV_STATUS_INVALID_HYPERCALL_INPUT:  return "INVALID_HYPERCALL_INPUT";
    case HV_STATUS_INVALID_ALIGNMENT:        return "INVALID_ALIGNMENT";
    case HV_STATUS_INVALID_PARAMETER:        return "INVALID_PARAMETER";
    case HV_STATUS_ACCESS_DENIED:            return "ACCESS_DENIED";
    case HV_STATUS_INVALID_PARTITION_STATE:  return "INVALID_PARTITION_STATE";
    case HV_STATUS_OPERATION_DENIED:         return "OPERATION_DENIED";
    case HV_STATUS_UNKNOWN_PROPERTY:         return "UNKNOWN_PROPERTY";
    case HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE: return "PROPERTY_VALUE_OUT_OF_RANGE";
    case HV_STATUS_INSUFFICIENT_MEMORY:      return "INSUFFICIENT_MEMORY";
    case HV_STATUS_INVALID_PARTITION_ID:     return "INVALID_PARTITION_ID";
    case HV_STATUS_INVALID_VP_INDEX:         return "INVALID_VP_INDEX";
    case HV_STATUS_NOT_FOUND:                return "NOT_FOUND";
    case HV_STATUS_INVALID_PORT_ID:          return "INVALID_PORT_ID";
    case HV_STATUS_INVALID_CONNECTION_ID:    return "INVALID_CONNECTION_ID";
    case HV_STATUS_INSUFFICIENT_BUFFERS:     return "INSUFFICIENT_BUFFERS";
    case HV_STATUS_NOT_ACKNOWLEDGED:         return "NOT_ACKNOWLEDGED";
    case HV_STATUS_INVALID_VP_STATE:         return "INVALID_VP_STATE";
    case HV_STATUS_ACKNOWLEDGED:             return "ACKNOWLEDGED";
    case HV_STATUS_INVALID_SAVE_RESTORE_STATE: return "INVALID_SAVE_RESTORE_STATE";
    case HV_STATUS_INVALID_SYNIC_STATE:      return "INVALID_SYNIC_STATE";
    case HV_STATUS_OBJECT_IN_USE:            return "OBJECT_IN_USE";
    case HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO: return "INVALID_PROXIMITY_DOMAIN_INFO";
    case HV_STATUS_NO_DATA:                  return "NO_DATA";
    case HV_STATUS_INACTIVE:                 return "INACTIVE";
    case HV_STATUS_NO_RESOURCES:             return "NO_RESOURCES";
    default:                                 return "UNKNOWN_STATUS";
    }
}

const char *hv_msr_name(uint32_t msr)
{
    static const char *const sint[16] = {
        "SINT0", "SINT1", "SINT2", "SINT3", "SINT4", "SINT5", "SINT6", "SINT7",
        "SINT8", "SINT9", "SINT10", "SINT11", "SINT12", "SINT13", "SINT14", "SINT15",
    };
    static const char *const stimer[8] = {
        "STIMER0_CONFIG", "STIMER0_COUNT", "STIMER1_CONFIG", "STIMER1_COUNT",
        "STIMER2_CONFIG", "STIMER2_COUNT", "STIMER3_CONFIG", "STIMER3_COUNT",
    };
    switch (msr) {
    case HV_X64_MSR_GUEST_OS_ID:    return "GUEST_OS_ID";
    case HV_X64_MSR_HYPERCALL:      return "HYPERCALL";
    case HV_X64_MSR_VP_INDEX:       return "VP_INDEX";
    case HV_X64_MSR_TIME_REF_COUNT: return "TIME_REF_COUNT";
    case HV_X64_MSR_REFERENCE_TSC:  return "REFERENCE_TSC";
    case HV_X64_MSR_TSC_FREQUENCY:  return "TSC_FREQUENCY";
    case HV_X64_MSR_APIC_FREQUENCY: return "APIC_FREQUENCY";
    case HV_X64_MSR_SCONTROL:       return "SCONTROL";
    case HV_X64_MSR_SVERSION:       return "SVERSION";
    case HV_X64_MSR_SIEFP:          return "SIEFP";
    case HV_X64_MSR_SIMP:           return "SIMP";
    case HV_X64_MSR_EOM:            return "EOM";
    default:
        if (msr >= HV_X64_MSR_SINT0 && msr < HV_X64_MSR_SINT0 + 16)
            return sint[msr - HV_X64_MSR_SINT0];
        if (msr >= HV_X64_MSR_STIMER0_CONFIG && msr < HV_X64_MSR_STIMER0_CONFIG + 8)
            return stimer[msr - HV_X64_MSR_STIMER0_CONFIG];
        return "synthetic MSR";
    }
}
