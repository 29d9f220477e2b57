"""ID3 decision trees for divide-and-conquer unification (in the style of EUSolver).

Given a cover matrix `cover[t, p]` (term t is correct at point p) and predicate values
`preds[q, p]`, `learn_tree` returns a tree whose leaves are term indices and whose inner nodes are
predicate indices, such that every point reaches a leaf whose term covers it, or None.

At each node every point is labelled with the covering term that covers the most points of the node
(a greedy set cover), and the predicate with the highest information gain over those labels splits
the node; a node where one term covers every point becomes a leaf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Leaf:
    """A leaf: index of the term used on these points."""

    term: int


@dataclass(frozen=True)
class Node:
    """An inner node: `(ite pred then other)`."""

    pred: int
    then: Leaf | Node
    other: Leaf | Node


Tree = Leaf | Node


def _entropy(counts: np.ndarray) -> np.ndarray:
    """Row-wise entropy (bits) of label counts `[rows, labels]`."""
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, counts / np.maximum(total, 1), 0.0)
        logs = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -(p * logs).sum(axis=1)


def learn_tree(cover: np.ndarray, preds: np.ndarray, max_depth: int = 24) -> Tree | None:
    """An ID3 tree over `preds` [Q, P] whose leaves' terms (rows of `cover` [T, P]) cover every point."""
    if cover.shape[1] == 0:
        return Leaf(0) if cover.shape[0] else None
    if not cover.any(axis=0).all():
        return None
    return _learn(np.ones(cover.shape[1], dtype=bool), cover, preds, max_depth)


def _learn(mask: np.ndarray, cover: np.ndarray, preds: np.ndarray, depth: int) -> Tree | None:
    sub = cover[:, mask]
    counts = sub.sum(axis=1)
    n = int(mask.sum())
    full = np.nonzero(counts == n)[0]
    if len(full):
        return Leaf(int(full[0]))
    if depth == 0 or preds.shape[0] == 0:
        return None
    # label each point by the covering term with the most coverage in this node
    score = np.where(sub, counts[:, None], -1)
    labels = np.argmax(score, axis=0)
    uniq, lab = np.unique(labels, return_inverse=True)
    onehot = np.zeros((n, len(uniq)), dtype=np.float32)
    onehot[np.arange(n), lab] = 1.0
    pm = preds[:, mask]
    t_counts = pm.astype(np.float32) @ onehot
    f_counts = (~pm).astype(np.float32) @ onehot
    nt = t_counts.sum(axis=1)
    nf = f_counts.sum(axis=1)
    usable = (nt > 0) & (nf > 0)
    if not usable.any():
        return None
    # a term covering all points on one side is worth more than label purity alone
    gain = -(nt * _entropy(t_counts) + nf * _entropy(f_counts)) / n
    gain = np.where(usable, gain, -np.inf)
    best = int(np.argmax(gain))
    then_mask = mask.copy()
    then_mask[mask] = pm[best]
    other_mask = mask.copy()
    other_mask[mask] = ~pm[best]
    then = _learn(then_mask, cover, preds, depth - 1)
    if then is None:
        return None
    other = _learn(other_mask, cover, preds, depth - 1)
    return None if other is None else Node(best, then, other)
