/* test=conformance: the whole report as one in-kernel test, failed if any
 * check FAILs (kernel/tests/conformance.h; docs/conformance.md). */
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/tests/conformance_host.h"

static void print(const char *line) { log_info("conformance", "%s", line); }

KTEST_T(conformance, "conformance", 60000)
{
    const struct conf_host *h = conformance_kernel_host();
    if (!h) {
        ktest_skip("no Hyper-V backend");
        return;
    }
    struct conf_tally t = { 0 };
    conf_run_all(h, &t, print);
    if (t.fail)
        ktest_fail(__FILE__, __LINE__, "%u conformance check(s) failed", t.fail);
}
