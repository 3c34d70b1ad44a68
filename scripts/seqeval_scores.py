"""Scores as seqeval computes them in its default mode, from IOB2 tags per sentence.

Entity-level micro precision, recall and F (and the same per type), plus token accuracy: the
numbers Hugging Face's token-classification scripts report for MultiNERD.
"""

from collections import Counter
from typing import Container, Dict, List, Optional, Sequence

from spacy.tokens import Doc

from multinerd import iob_spans


def iob_tags(doc: Doc, types: Optional[Container[str]] = None) -> List[str]:
    """The doc's entities as IOB2 tags, one per token; with `types`, entities of other types are O."""
    return [
        f"{token.ent_iob_}-{token.ent_type_}"
        if token.ent_iob_ in ("B", "I") and (types is None or token.ent_type_ in types)
        else "O"
        for token in doc
    ]


def _prf(correct: int, predicted: int, gold: int) -> Dict[str, float]:
    # Like seqeval: a score with a zero denominator is 0, and F comes from P and R.
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


class SeqevalScorer:
    """Counts over sentences of gold and predicted IOB2 tags; scores() gives seqeval's numbers."""

    def __init__(self):
        self.sentences = 0
        self.tokens = 0
        self.correct_tags = 0
        self.gold: Counter = Counter()
        self.predicted: Counter = Counter()
        self.correct: Counter = Counter()
        self.per_lang: Dict[str, SeqevalScorer] = {}

    def add(
        self,
        gold_tags: Sequence[str],
        predicted_tags: Sequence[str],
        lang: Optional[str] = None,
    ) -> None:
        """Count one sentence: its gold and predicted tags, one per token; with lang, in that language's counts too."""
        if lang is not None:
            self.per_lang.setdefault(lang, SeqevalScorer()).add(
                gold_tags, predicted_tags
            )
        self.sentences += 1
        self.tokens += len(gold_tags)
        self.correct_tags += sum(g == p for g, p in zip(gold_tags, predicted_tags))
        gold_spans = set(iob_spans(gold_tags))
        predicted_spans = set(iob_spans(predicted_tags))
        self.gold.update(label for _, _, label in gold_spans)
        self.predicted.update(label for _, _, label in predicted_spans)
        self.correct.update(label for _, _, label in gold_spans & predicted_spans)

    def scores(self) -> dict:
        """Token accuracy, micro P/R/F, P/R/F/support per type (support: gold entities), and per language.

        The overall scores are micro over all sentences, of every language; per_lang has each language's
        token accuracy, P/R/F, sentences and support.
        """
        totals = [
            sum(counts.values()) for counts in (self.correct, self.predicted, self.gold)
        ]
        per_type = {
            label: {
                **_prf(self.correct[label], self.predicted[label], self.gold[label]),
                "support": self.gold[label],
            }
            for label in sorted(self.gold.keys() | self.predicted.keys())
        }
        token_acc = self.correct_tags / self.tokens if self.tokens else 0.0
        per_lang = {}
        for lang, scorer in sorted(self.per_lang.items()):
            scores = scorer.scores()
            per_lang[lang] = {key: scores[key] for key in ("token_acc", "p", "r", "f")}
            per_lang[lang].update(
                sentences=scorer.sentences, support=sum(scorer.gold.values())
            )
        return {
            "token_acc": token_acc,
            **_prf(*totals),
            "per_type": per_type,
            "per_lang": per_lang,
        }
