/*
 * guest/analysis/cpus.h: how many threads an analysis may start.
 *
 * analysis_cpus() is the number of CPUs this process may run on
 * (sched_getaffinity), at least 1. Not sysconf(_SC_NPROCESSORS_ONLN):
 * glibc answers that by opening /sys/devices/system/cpu/online, which the
 * analysis child's seccomp filter (child.h) kills; musl's sysconf makes the
 * same sched_getaffinity call as here. The count only sizes the thread
 * pool: the analyses' results do not depend on it.
 */
#ifndef C2D_ANALYSIS_CPUS_H
#define C2D_ANALYSIS_CPUS_H

#include <sched.h>

static inline unsigned analysis_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n < 1 ? 1 : (unsigned)n;
}

#endif
