"""Accuracy statistics shared by the benchmarks: AUROC, its bootstrap interval, and the
paired bootstrap of a difference between two scorers on the same images."""
import numpy as np
from scipy.stats import rankdata


def auroc(labels, scores):
    """Rank-based AUROC (Mann–Whitney U), ties averaged."""
    labels = np.asarray(labels, dtype=bool)
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    positives, negatives = labels.sum(), (~labels).sum()
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def stratified_resamples(labels, rounds=1000, seed=0):
    """Index arrays resampling positives and negatives separately (each keeps its count)."""
    labels = np.asarray(labels, dtype=bool)
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(labels), np.flatnonzero(~labels)
    for _ in range(rounds):
        yield np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])


def interval(labels, scores, rounds=1000):
    """AUROC with its 95 % bootstrap interval and standard error."""
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores)
    values = [auroc(labels[i], scores[i]) for i in stratified_resamples(labels, rounds)]
    return auroc(labels, scores), np.percentile(values, 2.5), np.percentile(values, 97.5), float(np.std(values))


def paired_difference(labels, echo, baseline, rounds=1000):
    """AUROC(echo) − AUROC(baseline) on the same images, with a 95 % paired bootstrap interval."""
    labels, echo, baseline = np.asarray(labels, dtype=bool), np.asarray(echo), np.asarray(baseline)
    values = [auroc(labels[i], echo[i]) - auroc(labels[i], baseline[i]) for i in stratified_resamples(labels, rounds)]
    return auroc(labels, echo) - auroc(labels, baseline), np.percentile(values, 2.5), np.percentile(values, 97.5)


def ci(value, low, high):
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"
