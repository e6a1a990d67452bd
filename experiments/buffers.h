/* Big physically contiguous buffers for experiments, from memblock
 * (between experiments only: memblock is not locked). */
#ifndef EXPERIMENTS_BUFFERS_H
#define EXPERIMENTS_BUFFERS_H
#include "lib/compiler.h"

/* A buffer of bytes on node nid (-1: any), aligned to the highest power of
 * two in `align` (at least 4 KiB) when possible, else to 2 MiB. Returns its
 * physical address, 0 when nothing fits; exp_buf_free() gives it back
 * (pa 0 is ignored). */
uint64_t exp_buf_alloc(uint64_t bytes, uint64_t align, int nid);
void exp_buf_free(uint64_t pa, uint64_t bytes);
#endif
