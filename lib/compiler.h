/* Compiler helpers shared by kernel and host builds. */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   ((((x) + (a) - 1) / (a)) * (a))
#define ALIGN_DOWN(x, a) (((x) / (a)) * (a))
#define IS_ALIGNED(x, a) (((x) % (a)) == 0)
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define KiB  1024ul
#define MiB  (1024ul * KiB)
#define GiB  (1024ull * MiB)
#define TiB  (1024ull * GiB)

#define __packed      __attribute__((packed))
#define __aligned(n)  __attribute__((aligned(n)))
#define __noreturn    __attribute__((noreturn))
#define __unused      __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x)     __builtin_expect(!!(x), 1)
#define unlikely(x)   __builtin_expect(!!(x), 0)
#define barrier()     asm volatile("" ::: "memory")

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define CACHE_LINE 64
#define __cacheline_aligned __aligned(CACHE_LINE)

#ifdef HOST
#include <sched.h>
/* Host tests run more threads than the CI machine has cores: a spinning
 * thread gives its core to the one it waits for (a ticket lock's next
 * owner, a barrier's last arrival), or a test that takes a second on an
 * idle machine takes minutes when the scheduler keeps the wrong one out. */
static inline void cpu_relax(void)
{
	sched_yield();
}
#else
static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}
#endif
#endif
