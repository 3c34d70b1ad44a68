"""How well ent._.score predicts that an entity is right: calibration bins, their expected calibration error,
and precision, recall and F at each score threshold. Counted one predicted entity at a time."""

from typing import Dict, List

BINS = 10
THRESHOLDS = tuple(i / 10 for i in range(10))


class ConfidenceCounter:
    """Predicted entities by score (right: the gold has its exact span and type), and the gold entities."""

    def __init__(self):
        self.scored: List[tuple] = []  # (score, right) of each predicted entity
        self.gold = 0

    def add(self, gold: set, predicted: Dict[tuple, float]) -> None:
        """One sentence: its gold (start, end, type) set, and each predicted one with its score."""
        self.gold += len(gold)
        self.scored += [(score, span in gold) for span, score in predicted.items()]

    def bins(self) -> List[dict]:
        """The BINS equal-width score bins: entities, their mean score, the share of them that is right."""
        rows = [
            {
                "low": i / BINS,
                "high": (i + 1) / BINS,
                "entities": 0,
                "score": 0.0,
                "right": 0,
            }
            for i in range(BINS)
        ]
        for score, right in self.scored:
            row = rows[min(int(score * BINS), BINS - 1)]
            row["entities"] += 1
            row["score"] += score
            row["right"] += right
        for row in rows:
            n = row["entities"]
            row["score"], row["precision"] = (
                (row["score"] / n, row["right"] / n) if n else (None, None)
            )
        return rows

    def calibration_error(self) -> float:
        """Expected calibration error: over the bins, weighted by entities, |precision - mean score|."""
        rows = [row for row in self.bins() if row["entities"]]
        total = sum(row["entities"] for row in rows)
        return (
            sum(row["entities"] * abs(row["precision"] - row["score"]) for row in rows)
            / total
            if total
            else 0.0
        )

    def by_threshold(self) -> List[dict]:
        """Precision, recall and F of the entities that score at least each of THRESHOLDS."""
        rows = []
        for threshold in THRESHOLDS:
            kept = [right for score, right in self.scored if score >= threshold]
            right = sum(kept)
            p = right / len(kept) if kept else 0.0
            r = right / self.gold if self.gold else 0.0
            rows.append(
                {
                    "threshold": threshold,
                    "entities": len(kept),
                    "p": p,
                    "r": r,
                    "f": 2 * p * r / (p + r) if p + r else 0.0,
                }
            )
        return rows

    def result(self) -> dict:
        return {
            "ece": self.calibration_error(),
            "bins": self.bins(),
            "by_threshold": self.by_threshold(),
        }
