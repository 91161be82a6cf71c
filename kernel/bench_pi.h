/* bench=pi: posted vs direct interrupt delivery, in-kernel (kernel/bench_pi.c). */
#ifndef SINTER_KERNEL_BENCH_PI_H
#define SINTER_KERNEL_BENCH_PI_H
void bench_pi_run(void);
#endif
