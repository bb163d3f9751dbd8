/*
 * knn_votes.c
 *		Label transfer and kNN noise flags (F6), over embedding arrays.
 *
 * Two kinds of evidence that an unlabelled candidate d is relevant to q:
 * queries near q have d as a positive (label transfer), and the judged
 * documents of q nearest to d are mostly relevant (a kNN classifier trained
 * on q's own judgments, TACRED's extrinsic strategy in document space).
 * Both searches are small (labelled queries; one query's judged documents),
 * so they use the shared top-k heap over the shared similarity kernels.
 */
#include "postgres.h"

#include "falseneg/falseneg.h"
#include "kernels/topk.h"
#include "miscadmin.h"

int
hn_fn_query_neighbours(HnMetric metric, const float *qvecs, int dim,
					   const int64 *labelled_rows, int64 nlabelled,
					   int64 q, int k, int64 *neighbours)
{
	HnTopK	   *heap = hn_topk_create(k);
	const float *qv = qvecs + q * (int64) dim;
	int			n;

	for (int64 i = 0; i < nlabelled; i++)
	{
		int64		row = labelled_rows[i];
		float		s;

		if (row == q)
			continue;
		s = hn_similarity(metric, qv, qvecs + row * (int64) dim, dim);
		if (hn_topk_admits(heap, s, row))
			hn_topk_push(heap, s, row);
	}
	n = hn_topk_sorted(heap);
	for (int i = 0; i < n; i++)
		neighbours[i] = heap->items[i].key;
	pfree(heap->items);
	pfree(heap);
	return n;
}

int
hn_fn_doc_votes(HnMetric metric, const float *cand, int dim,
				const float *const *ref_vecs, const bool *ref_relevant,
				int nref, int doc_k, int *nvoters)
{
	HnTopK	   *heap = hn_topk_create(doc_k);
	int			n,
				votes = 0;

	for (int i = 0; i < nref; i++)
	{
		float		s = hn_similarity(metric, cand, ref_vecs[i], dim);

		if (hn_topk_admits(heap, s, i))
			hn_topk_push(heap, s, i);
	}
	n = hn_topk_sorted(heap);
	for (int i = 0; i < n; i++)
		if (ref_relevant[heap->items[i].key])
			votes++;
	*nvoters = n;
	pfree(heap->items);
	pfree(heap);
	return votes;
}

double
hn_fn_p_knn(int votes_query, int k, int votes_doc, int nvoters)
{
	double		pq = k > 0 ? (double) votes_query / k : 0.0;
	double		pd = nvoters > 0 ? (double) votes_doc / nvoters : 0.0;

	return Max(pq, pd);
}
