/*
 * parallel.h
 *		Runs pure C or BLAS work on several threads of the backend.
 *
 * The workers are plain pthreads started with every signal blocked, so the
 * backend's signal handlers (cancel, timeouts) only ever run on its own
 * thread, and they are joined before hn_parallel_run returns, so no ERROR
 * can leave one running.  The work function must not call PostgreSQL (no
 * palloc, ereport or CHECK_FOR_INTERRUPTS): allocate before, check after.
 */
#ifndef HN_PARALLEL_H
#define HN_PARALLEL_H

#include "postgres.h"

#define HN_PARALLEL_MAX 64

/* share t of nt (0 <= t < nt) of the work described by arg */
typedef void (*HnShareFn) (void *arg, int t, int nt);

/*
 * fn(arg, t, nt) for t = 0 .. nt - 1, share 0 on the calling thread; a share
 * whose thread cannot start runs on the calling thread after the others.
 * OpenBLAS runs single-threaded in every share when nt > 1.
 */
extern void hn_parallel_run(int nt, HnShareFn fn, void *arg);

/* Rows [begin, end) of share t of nt over n rows. */
static inline void
hn_parallel_range(int64 n, int t, int nt, int64 *begin, int64 *end)
{
	*begin = n * t / nt;
	*end = n * (t + 1) / nt;
}

#endif							/* HN_PARALLEL_H */
