/* Can this machine run sinter under KVM with Hyper-V emulation? Opens
 * /dev/kvm, checks the API version, asks KVM_CHECK_EXTENSION for the
 * Hyper-V capabilities QEMU's hv-* flags need (KVM_CAP_HYPERV, and
 * KVM_CAP_HYPERV_SYNIC2 for hv-synic; constants from <linux/kvm.h>), and
 * creates a VM to prove KVM really works. Prints one line saying what it
 * found; exit 0 if everything is there, 1 (with the reason) if not.
 * Used by `make run-kvm-hv` (README). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

static int cannot(const char *why, const char *hint)
{
    printf("run-kvm-hv: cannot run: %s\n", why);
    if (hint)
        printf("run-kvm-hv: %s\n", hint);
    return 1;
}

int main(void)
{
    char why[256];
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        snprintf(why, sizeof why, "/dev/kvm: %s", strerror(errno));
        return cannot(why, errno == ENOENT
                               ? "no KVM on this machine (no kvm_intel/kvm_amd module, or a VM "
                                 "without nested virtualization); use `make run` (TCG and the "
                                 "host model)"
                               : "the user needs read/write access to /dev/kvm (group kvm)");
    }
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        snprintf(why, sizeof why, "KVM API version %d, expected %d", api, KVM_API_VERSION);
        return cannot(why, NULL);
    }
    int hv = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV);
    int synic2 = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_SYNIC2);
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    int vm_errno = errno;
    if (vm >= 0)
        close(vm);
    printf("run-kvm-hv: /dev/kvm API %d; KVM_CAP_HYPERV %d, KVM_CAP_HYPERV_SYNIC2 %d; "
           "KVM_CREATE_VM %s\n", api, hv, synic2, vm >= 0 ? "ok" : strerror(vm_errno));
    if (hv <= 0)
        return cannot("KVM here has no Hyper-V emulation (KVM_CAP_HYPERV is 0)",
                      "QEMU's hv-* flags need it; use `make run` (TCG and the host model)");
    if (synic2 <= 0)
        return cannot("KVM here has no SynIC v2 (KVM_CAP_HYPERV_SYNIC2 is 0), which hv-synic needs",
                      NULL);
    if (vm < 0) {
        snprintf(why, sizeof why, "KVM_CREATE_VM failed: %s", strerror(vm_errno));
        return cannot(why, "KVM is present but cannot create a VM here");
    }
    printf("run-kvm-hv: KVM with Hyper-V emulation is available\n");
    return 0;
}
