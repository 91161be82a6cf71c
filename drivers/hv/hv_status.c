/* Names for HV_STATUS codes, so every failed hypercall logs a word, not a number. */
#include "drivers/hv/tlfs.h"

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
