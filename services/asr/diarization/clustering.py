"""Naming voices: clustering of speaker embeddings, and how many voices there are.

The partitions come from spectral clustering: the affinity keeps, for each piece, only its nearest
neighbours (the rest of a row is noise between speakers), and k-means runs on the first eigenvectors of
that graph's Laplacian. A dozen pieces or fewer make too loose a graph, and are split by average
linkage instead. With the count given, its partition is the answer. Otherwise it is the largest count
within the caller's bounds whose clusters are all voices of their own: a voice cut in two leaves halves
whose pieces are about as alike across the cut as within each half, while two voices' pieces are
clearly less alike across (bench/README.md has the margins measured), and each holds a few seconds of
speech; one speaker is the answer when no split passes. The eigengap, tried first, and a threshold on
the clusters' mean voices both miscounted recordings with few pieces. Spectral clustering was measured
against average-linkage agglomerative clustering on long recordings, 30-40 DER points worse on some
files (MODELS.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MIN_NEIGHBOURS = 6
_NEIGHBOUR_SHARE = 0.1
_MIN_VOICE_SHARE = 0.02
"""A voice holds at least this share of a recording's pieces (and two): in an hour, a dozen pieces of
one odd sound (the same noise recurring) stand apart from every voice as clearly as a speaker does."""
_LINKAGE_UP_TO = 2 * _MIN_NEIGHBOURS
"""With fewer pieces, a graph of each piece's nearest neighbours links every piece to half the others and
says little; average linkage separates them better there."""


@dataclass(frozen=True)
class VoiceRule:
    """When a cluster found without the count given counts as a voice of its own."""

    min_separation: float
    """Its pieces are at least this much more alike (cosine) within it than across to any other."""
    min_seconds: float
    """Its pieces hold at least this much speech: a couple of short pieces where two voices meet or
    one sound recurs stand apart from every voice as clearly as a speaker does."""


@dataclass(frozen=True)
class SpeakerBounds:
    """How many speakers the caller allows: exactly `min_count` when it equals `max_count`."""

    min_count: int
    max_count: int

    @classmethod
    def of(cls, speakers: int, min_speakers: int, max_speakers: int, most: int) -> SpeakerBounds:
        if speakers > 0:
            return cls(speakers, speakers)
        upper = max_speakers if max_speakers > 0 else max(most, min_speakers)
        return cls(max(1, min_speakers), max(upper, 1))

    @property
    def exact(self) -> bool:
        return self.min_count == self.max_count


def _pruned_affinity(embeddings: np.ndarray) -> np.ndarray:
    similarity = embeddings @ embeddings.T
    count = len(embeddings)
    keep = min(count - 1, max(_MIN_NEIGHBOURS, int(np.ceil(_NEIGHBOUR_SHARE * count))))
    np.fill_diagonal(similarity, -np.inf)
    affinity = np.zeros_like(similarity)
    nearest = np.argsort(-similarity, axis=1)[:, :keep]
    rows = np.arange(count)[:, None]
    affinity[rows, nearest] = np.maximum(similarity[rows, nearest], 0.0)
    return (affinity + affinity.T) / 2


def _spectral_partitions(embeddings: np.ndarray, most: int) -> dict[int, np.ndarray]:
    """k-means on the first k eigenvectors of the pruned affinity's graph Laplacian, for k = 1..most."""
    from sklearn.cluster import KMeans

    affinity = _pruned_affinity(embeddings)
    laplacian = np.diag(affinity.sum(axis=1)) - affinity
    eigenvectors = np.linalg.eigh(laplacian)[1]
    partitions = {1: np.zeros(len(embeddings), dtype=int)}
    for count in range(2, most + 1):
        model = KMeans(n_clusters=count, n_init=10, random_state=0)
        partitions[count] = np.asarray(model.fit_predict(eigenvectors[:, :count]))
    return partitions


def _linkage_partitions(embeddings: np.ndarray, most: int) -> dict[int, np.ndarray]:
    """Average-linkage agglomerative clustering cut at k = 1..most clusters: a neighbour graph of a few
    pieces is too loose for spectral clustering."""
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    return {count: fcluster(tree, count, criterion="maxclust") - 1 for count in range(1, most + 1)}


def spread_sample(count: int, most: int) -> np.ndarray:
    """Indices of at most `most` of `count` pieces, spread evenly over them: clustering compares every
    pair, so a long recording clusters a sample and the rest follow their nearest voice."""
    return np.linspace(0, count - 1, min(count, most)).astype(int)


def centroids_of(embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The unit-length mean voice of each cluster 0..max(labels)."""
    weights = np.ones(len(labels)) if weights is None else weights
    sums = np.zeros((int(labels.max()) + 1, embeddings.shape[1]))
    np.add.at(sums, labels, embeddings * weights[:, None])
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)


def _distinct(embeddings: np.ndarray, seconds: np.ndarray, labels: np.ndarray, rule: VoiceRule) -> bool:
    """Whether every cluster is a voice of its own: each holds enough pieces and speech, and for every
    pair of clusters, their pieces are on average at least `rule.min_separation` (cosine) more alike
    within each cluster than across the two. Halves of one voice are about as alike across as within."""
    ids, sizes = np.unique(labels, return_counts=True)
    if len(ids) < 2:
        return True
    if sizes.min() < max(2, _MIN_VOICE_SHARE * len(labels)):
        return False
    if np.bincount(labels, weights=seconds).min() < rule.min_seconds:
        return False
    similarity = embeddings @ embeddings.T
    members = [labels == i for i in ids]
    within = [
        (similarity[np.ix_(m, m)].sum() - size) / (size * (size - 1))
        for m, size in zip(members, sizes, strict=True)
    ]
    return all(
        (within[a] + within[b]) / 2 - similarity[np.ix_(members[a], members[b])].mean() >= rule.min_separation
        for a in range(len(ids))
        for b in range(a + 1, len(ids))
    )


def cluster(
    embeddings: np.ndarray, seconds: np.ndarray, bounds: SpeakerBounds, rule: VoiceRule
) -> np.ndarray:
    """Cluster ids 0..n-1 (consecutive) for unit-length embeddings of pieces `seconds` long, within
    `bounds`: the given count, or the largest count within the bounds whose clusters are all distinct
    voices under `rule`."""
    count = len(embeddings)
    if count <= 1 or bounds.max_count == 1:
        return np.zeros(count, dtype=int)
    if count <= bounds.min_count:
        return np.arange(count)
    most = min(bounds.max_count, count - 1)
    partitions = (_linkage_partitions if count <= _LINKAGE_UP_TO else _spectral_partitions)(
        embeddings, max(most, bounds.min_count)
    )
    labels = partitions[bounds.min_count]
    for candidate in range(bounds.min_count + 1, most + 1):
        if _distinct(embeddings, seconds, partitions[candidate], rule):
            labels = partitions[candidate]
    return np.unique(labels, return_inverse=True)[1]
