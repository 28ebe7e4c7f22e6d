"""A forest of regression trees evaluated with numpy: the answerer's fitted ranker.

The trees are fitted offline (``bench/fit_answerer.py``, with LightGBM's lambdarank) and kept
as JSON beside this module, so answering needs numpy only. A forest's score for a feature row
is the sum of the leaf values the row reaches, one per tree; a row goes left when its feature
is at most the node's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Forest:
    """All trees' nodes in flat arrays; a leaf has feature -1 and points at itself."""

    names: tuple[str, ...]
    feature: NDArray[np.intp]
    threshold: NDArray[np.float64]
    left: NDArray[np.intp]
    right: NDArray[np.intp]
    value: NDArray[np.float64]
    roots: NDArray[np.intp]
    depth: int

    def predict(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """One score per row of ``rows`` (columns in the order of ``names``)."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.names))
        node = np.tile(self.roots, (rows.shape[0], 1))
        for _ in range(self.depth):
            x = np.take_along_axis(rows, np.maximum(self.feature[node], 0), axis=1)
            node = np.where(x <= self.threshold[node], self.left[node], self.right[node])
        scores: NDArray[np.float64] = self.value[node].sum(axis=1)
        return scores

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Forest:
        """Read the JSON form: feature names and, per tree, parallel node lists (root first)."""
        feature: list[int] = []
        left: list[int] = []
        right: list[int] = []
        roots: list[int] = []
        threshold: list[float] = []
        value: list[float] = []
        for tree in data["trees"]:
            offset = len(feature)
            roots.append(offset)
            for i, f in enumerate(tree["feature"]):
                leaf = f < 0
                feature.append(f)
                threshold.append(np.inf if leaf else tree["threshold"][i])
                left.append(offset + (i if leaf else tree["left"][i]))
                right.append(offset + (i if leaf else tree["right"][i]))
                value.append(tree["value"][i] if leaf else 0.0)
        return cls(
            names=tuple(data["names"]),
            feature=np.asarray(feature, dtype=np.intp),
            threshold=np.asarray(threshold, dtype=np.float64),
            left=np.asarray(left, dtype=np.intp),
            right=np.asarray(right, dtype=np.intp),
            value=np.asarray(value, dtype=np.float64),
            roots=np.asarray(roots, dtype=np.intp),
            depth=max((int(t["depth"]) for t in data["trees"]), default=0),
        )


def from_lightgbm(dump: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The JSON form of a LightGBM ``Booster.dump_model()`` whose splits are all ``<=``."""
    trees = []
    for info in dump["tree_info"]:
        nodes: list[dict[str, Any]] = []
        depth = _flatten(info["tree_structure"], nodes, 0)
        keys = ("feature", "threshold", "left", "right", "value")
        trees.append({key: [n[key] for n in nodes] for key in keys} | {"depth": depth})
    return {"names": names, "trees": trees}


def _flatten(node: dict[str, Any], nodes: list[dict[str, Any]], level: int) -> int:
    """Append ``node`` and its subtree to ``nodes`` (parents first); return the deepest level."""
    entry: dict[str, Any] = {"feature": -1, "threshold": 0.0, "left": -1, "right": -1}
    nodes.append(entry)
    if "split_feature" not in node:
        entry["value"] = float(node["leaf_value"])
        return level
    if node["decision_type"] != "<=":
        raise ValueError(f"unsupported split {node['decision_type']!r}")
    entry.update(feature=int(node["split_feature"]), threshold=float(node["threshold"]), value=0.0)
    entry["left"] = len(nodes)
    deepest = _flatten(node["left_child"], nodes, level + 1)
    entry["right"] = len(nodes)
    return max(deepest, _flatten(node["right_child"], nodes, level + 1))
