/* The one line a test harness reads at the end of a run:
 *   sinter: result status=0 tests=44 failed=0 warnings=1 errors=0 warn.cmdline=1
 * status is the exit status about to be reported; tests/failed appear once
 * the test runner ran; then the totals and each subsystem's non-zero counts
 * of warnings (warn.<subsys>) and errors (err.<subsys>). Scenarios compare
 * these fields instead of matching log prose. */
#ifndef SINTER_KERNEL_RESULT_H
#define SINTER_KERNEL_RESULT_H

void result_set_tests(unsigned planned, unsigned failed);
void result_print(int status);

#endif
