"""pytorch-metric-learning's AccuracyCalculator metrics, for @contrastive/eval's retrievalMetrics test.

The functions below are transcribed from pytorch-metric-learning (MIT licence, K. Musgrave),
src/pytorch_metric_learning/utils/accuracy_calculator.py and utils/inference.py (commit 216a792), with
the k-NN of `CustomKNN` (torch.topk over a full distance matrix) and k = "max_bin_count", and the
library's default label comparison (equality). Run with the project's /usr/bin/python3 (torch, numpy).

Usage: python3 retrieval-metrics-pml.py EMBEDDINGS.npy LABELS.npy cosine|euclidean include|exclude
       python3 retrieval-metrics-pml.py QUERIES.npy LABELS.npy cosine|euclidean reference REFERENCES.npy REFERENCE_LABELS.npy
Prints JSON {"precision_at_1", "r_precision", "mean_average_precision_at_r"}.
"""
import json
import sys

import numpy as np
import torch


def get_relevance_mask(shape, gt_labels, ref_includes_query, label_counts):
    relevance_mask = torch.zeros(size=shape, dtype=torch.bool)
    count_per_query = torch.zeros(len(gt_labels), dtype=torch.long)
    for label, count in zip(*label_counts):
        matching_rows = torch.where(torch.all((gt_labels == label).reshape(len(gt_labels), -1), dim=1))[0]
        max_column = count - 1 if ref_includes_query else count
        relevance_mask[matching_rows, :max_column] = True
        count_per_query[matching_rows] = max_column
    return relevance_mask, count_per_query


def r_precision(knn_labels, gt_labels, ref_includes_query, label_counts):
    relevance_mask, _ = get_relevance_mask(knn_labels.shape[:2], gt_labels, ref_includes_query, label_counts)
    same_label = torch.eq(gt_labels, knn_labels)
    matches_per_row = torch.sum(same_label * relevance_mask, dim=1)
    max_possible_matches_per_row = torch.sum(relevance_mask, dim=1)
    return torch.mean(matches_per_row.type(torch.float64) / max_possible_matches_per_row).item()


def mean_average_precision_at_r(knn_labels, gt_labels, ref_includes_query, label_counts):
    num_samples, num_k = knn_labels.shape[:2]
    relevance_mask, count_per_query = get_relevance_mask(knn_labels.shape[:2], gt_labels, ref_includes_query, label_counts)
    knn_mask = relevance_mask
    is_same_label = torch.eq(gt_labels, knn_labels)
    equality = is_same_label * knn_mask
    cumulative_correct = torch.cumsum(equality, dim=1)
    k_idx = torch.arange(1, num_k + 1).repeat(num_samples, 1)
    precision_at_ks = (cumulative_correct * equality).type(torch.float64) / k_idx
    summed_precision_per_row = torch.sum(precision_at_ks * knn_mask, dim=1)
    return torch.mean(summed_precision_per_row / count_per_query).item()


def precision_at_1(knn_labels, gt_labels):
    return torch.mean(torch.sum(torch.eq(gt_labels, knn_labels[:, :1]), dim=1).type(torch.float64)).item()


def return_results(D, I, ref_includes_query):
    if ref_includes_query:
        self_idx = torch.arange(len(I))
        matches_self_idx = I == self_idx.unsqueeze(1)
        row_has_match = torch.any(matches_self_idx, dim=1)
        if not torch.all(row_has_match):
            matches_self_idx[~row_has_match, -1] = True
        I = I[~matches_self_idx].view(I.shape[0], -1)
        D = D[~matches_self_idx].view(D.shape[0], -1)
    return D, I


load = lambda f: torch.from_numpy(np.load(f).astype(np.float64))
query, labels = load(sys.argv[1]), load(sys.argv[2])
distance, mode = sys.argv[3], sys.argv[4]
reference, reference_labels = (load(sys.argv[5]), load(sys.argv[6])) if mode == "reference" else (query, labels)
ref_includes_query = mode == "exclude"

unique_labels = torch.unique(labels, dim=0)
match_counts = torch.sum(unique_labels[:, None] == reference_labels, dim=1)
label_counts = (unique_labels, match_counts)
lone = unique_labels[(match_counts - 1 <= 0) if ref_includes_query else (match_counts == 0)]
not_lone = ~torch.any(labels[:, None] == lone, dim=1) if len(lone) > 0 else torch.ones(len(labels), dtype=torch.bool)
k = torch.max(match_counts).item() - int(ref_includes_query)  # determine_k("max_bin_count")

if distance == "cosine":
    normalise = lambda x: torch.nn.functional.normalize(x, dim=1)
    D, I = torch.topk(normalise(query) @ normalise(reference).T, k + int(ref_includes_query), largest=True, dim=1)
else:
    D, I = torch.topk(torch.cdist(query, reference), k + int(ref_includes_query), largest=False, dim=1)
D, I = return_results(D, I, ref_includes_query)
knn_labels = reference_labels[I][not_lone]
query_labels = labels[not_lone][:, None]
print(json.dumps({
    "precision_at_1": precision_at_1(knn_labels, query_labels),
    "r_precision": r_precision(knn_labels, query_labels, ref_includes_query, label_counts),
    "mean_average_precision_at_r": mean_average_precision_at_r(knn_labels, query_labels, ref_includes_query, label_counts),
}))
