/*
 * parallel.c
 *		Threads for pure C and BLAS work (see parallel.h).
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>

#include <cblas.h>

#include "kernels/parallel.h"

typedef struct Share
{
	HnShareFn	fn;
	void	   *arg;
	int			t;
	int			nt;
} Share;

static void *
share_thread(void *p)
{
	Share	   *s = p;

	s->fn(s->arg, s->t, s->nt);
	return NULL;
}

void
hn_parallel_run(int nt, HnShareFn fn, void *arg)
{
	Share		shares[HN_PARALLEL_MAX];
	pthread_t	tid[HN_PARALLEL_MAX];
	bool		started[HN_PARALLEL_MAX] = {false};
	sigset_t	all,
				old;

	nt = Max(Min(nt, HN_PARALLEL_MAX), 1);
	if (nt == 1)
	{
		fn(arg, 0, 1);
		return;
	}
	openblas_set_num_threads(1);
	for (int t = 0; t < nt; t++)
		shares[t] = (Share)
	{
		fn, arg, t, nt
	};
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int t = 1; t < nt; t++)
		started[t] = pthread_create(&tid[t], NULL, share_thread, &shares[t]) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fn(arg, 0, nt);
	for (int t = 1; t < nt; t++)
	{
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			fn(arg, t, nt);		/* could not start a thread: do it here */
	}
}
