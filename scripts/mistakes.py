"""What a pipeline gets wrong: each entity judged against the gold, counts per type and kind, the
confusion table, and the error page (errors.html) of sampled test sentences.

Both sides are token spans (start, end, type) of the same tokens; neither side's spans overlap each
other (they are a Doc's entities). Each gold entity is judged once:

- right: a prediction has its span and its type;
- wrong type: a prediction has its span, with another type;
- wrong boundary: no prediction has its span, but one of its type overlaps it;
- wrong type and boundary: predictions overlap it, none with its span or its type;
- missed: no prediction overlaps it.

Each prediction that overlaps no gold entity is spurious. A gold entity's kind counts under its type,
a spurious prediction's under the predicted type. The confusion table counts each gold entity once, in
the column of the prediction it is judged by (for wrong type and boundary, the one that overlaps it
most; the first of equals), "none" when missed; its "none" row counts the spurious predictions.
"""

import html
import random
from collections import Counter
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from spacy import displacy
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

import entity_scores  # noqa: F401  (Span._.score, read back from the predictions)
from multinerd import ENTITY_TYPES, TAGSETS, Span
from safe_io import InputError

RIGHT = "right"
MISTAKES = (
    "missed",
    "spurious",
    "wrong type",
    "wrong boundary",
    "wrong type and boundary",
)
KINDS = (RIGHT, *MISTAKES)
NONE = "none"
# One colour per entity type, for the error page and the demo.
COLORS: Dict[str, str] = dict(
    zip(
        ENTITY_TYPES,
        (
            "#aa9cfc",
            "#7aecec",
            "#feca74",
            "#c2f0a6",
            "#e4e7d2",
            "#bfe1d9",
            "#ff8197",
            "#ffeb80",
            "#f2b880",
            "#9cc9cc",
            "#f0a6e0",
            "#d9c2f0",
            "#8fd19e",
            "#c9d4ff",
            "#e0c09c",
        ),
    )
)
# The span key under which score.py stores the gold entities in each predicted Doc.
GOLD_KEY = "gold"


class Judgement(NamedTuple):
    kind: str
    gold: Optional[Span]
    predicted: Optional[Span]

    @property
    def label(self) -> str:
        """The type it counts under: the gold entity's, or a spurious prediction's."""
        return (self.gold or self.predicted)[2]


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def judge(gold: Sequence[Span], predicted: Sequence[Span]) -> List[Judgement]:
    """A judgement per gold entity, in order, then one per spurious prediction."""
    judgements = []
    for g in gold:
        overlapping = [p for p in predicted if _overlap(g, p)]
        same_span = [p for p in overlapping if p[:2] == g[:2]]
        same_type = [p for p in overlapping if p[2] == g[2]]
        if same_span:
            kind, match = (
                (RIGHT if same_span[0][2] == g[2] else "wrong type"),
                same_span[0],
            )
        elif same_type:
            kind, match = "wrong boundary", same_type[0]
        elif overlapping:
            kind, match = (
                "wrong type and boundary",
                max(overlapping, key=lambda p: _overlap(g, p)),
            )
        else:
            kind, match = "missed", None
        judgements.append(Judgement(kind, g, match))
    judgements += [
        Judgement("spurious", None, p)
        for p in predicted
        if not any(_overlap(g, p) for g in gold)
    ]
    return judgements


def doc_spans(doc: Doc, key: Optional[str] = None) -> List[Span]:
    """The doc's entities, or the spans of doc.spans[key], as (start, end, type)."""
    return [
        (span.start, span.end, span.label_)
        for span in (doc.ents if key is None else doc.spans[key])
    ]


class MistakeCounter:
    """Judgements counted over sentences: per type and kind, and the confusion table."""

    def __init__(self):
        self.kinds: Counter = Counter()
        self.confusion: Counter = Counter()

    def add(self, judgements: Iterable[Judgement]) -> None:
        for j in judgements:
            self.kinds[j.label, j.kind] += 1
            self.confusion[
                j.gold[2] if j.gold else NONE, j.predicted[2] if j.predicted else NONE
            ] += 1

    def total(self, kind: str) -> int:
        return sum(n for (_, k), n in self.kinds.items() if k == kind)

    def per_type(self) -> Dict[str, Dict[str, int]]:
        """{type: {kind: count}} for every type seen, every kind."""
        labels = sorted({label for label, _ in self.kinds})
        return {
            label: {kind: self.kinds[label, kind] for kind in KINDS} for label in labels
        }

    def confusion_table(self) -> Dict[str, Dict[str, int]]:
        """{gold type or none: {predicted type or none: count}}, the non-zero cells."""
        table: Dict[str, Dict[str, int]] = {}
        for (gold, predicted), n in sorted(self.confusion.items()):
            table.setdefault(gold, {})[predicted] = n
        return table


# The error page.

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 80em;
       padding: 0 1em; color: #222; }}
.systems > div {{ display: inline-block; vertical-align: top; margin-right: 3em; }}
table.counts {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }}
table.counts th, table.counts td {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
table.counts th {{ max-width: 6em; vertical-align: bottom; }}
table.counts th:first-child {{ text-align: left; }}
.sentence {{ border-top: 1px solid #ddd; padding: 0.8em 0; }}
.sentence h3 {{ font-size: 0.95em; margin: 0 0 0.4em; color: #555; }}
.sentence ul {{ margin: 0 0 0.5em; padding-left: 1.2em; font-size: 0.9em; }}
.row {{ display: flex; align-items: baseline; }}
.row .who {{ flex: 0 0 4.5em; font-weight: bold; font-size: 0.85em; color: #555; }}
.row .entities {{ line-height: 2.6 !important; padding: 0 !important; }}
</style></head><body>
{body}
</body></html>
"""


class Sentence(NamedTuple):
    """A test sentence: its text, character offsets of its tokens, gold/A/B spans and judgements, and the
    scores (ent._.score) of A's and B's spans that have one."""

    index: int
    text: str
    offsets: List[Tuple[int, int]]
    gold: List[Span]
    a: List[Span]
    b: List[Span]
    a_judgements: List[Judgement]
    b_judgements: List[Judgement]
    a_scores: Dict[Span, float]
    b_scores: Dict[Span, float]


def _rendered(sentence: Sentence, spans: Sequence[Span]) -> str:
    ents = [
        {
            "start": sentence.offsets[s][0],
            "end": sentence.offsets[e - 1][1],
            "label": html.escape(label),
        }
        for s, e, label in spans
    ]
    doc = {"text": sentence.text, "ents": ents}
    return displacy.render(
        doc, style="ent", manual=True, page=False, options={"colors": COLORS}
    )


def _quoted(sentence: Sentence, span: Span) -> str:
    text = sentence.text[
        sentence.offsets[span[0]][0] : sentence.offsets[span[1] - 1][1]
    ]
    return f"{html.escape(span[2])} “{html.escape(text)}”"


def _described(sentence: Sentence, system: str, j: Judgement) -> str:
    """What a judgement is about: the gold entity, its prediction (with its score, if any), or both."""
    if j.predicted is not None:
        score = (sentence.a_scores if system == "A" else sentence.b_scores).get(
            j.predicted
        )
        predicted = _quoted(sentence, j.predicted) + (
            "" if score is None else f" (score {score:.2f})"
        )
    if j.gold is None:
        return predicted
    if j.predicted is None:
        return _quoted(sentence, j.gold)
    return f"{_quoted(sentence, j.gold)} → {predicted}"


def _describe(sentence: Sentence, system: str, j: Judgement, group: str) -> str:
    kind = f"<b>{j.kind}</b>" if j.kind == group else j.kind
    return f"<li>{system}: {kind}: {_described(sentence, system, j)}</li>"


def confident_mistakes_table(
    mistakes: Sequence[Tuple[float, str, Sentence, Judgement]],
) -> str:
    """The wrong predictions given (score, system, sentence, judgement), as a table with their sentences."""
    rows = [
        "<tr><th>Score</th><th>System</th><th>Kind</th><th>Prediction</th><th>Sentence</th></tr>"
    ]
    for score, system, sentence, j in mistakes:
        rows.append(
            f"<tr><td>{score:.3f}</td><td>{system}</td><td>{j.kind}</td>"
            f"<td>{_described(sentence, system, j)}</td><td>{html.escape(sentence.text)}</td></tr>"
        )
    return f'<table class="counts">{"".join(rows)}</table>'


def render_sentence(sentence: Sentence, group: str) -> str:
    mistakes = [
        _describe(sentence, system, j, group)
        for system, judgements in (
            ("A", sentence.a_judgements),
            ("B", sentence.b_judgements),
        )
        for j in judgements
        if j.kind != RIGHT
    ]
    rows = [
        f'<div class="row"><div class="who">{who}</div>{_rendered(sentence, spans)}</div>'
        for who, spans in (
            ("Gold", sentence.gold),
            ("A", sentence.a),
            ("B", sentence.b),
        )
    ]
    return (
        f'<div class="sentence" id="s{sentence.index}"><h3>Test sentence {sentence.index + 1}</h3>'
        f"<ul>{''.join(mistakes)}</ul>{''.join(rows)}</div>"
    )


def counts_table(per_type: Dict[str, Dict[str, int]], labels: Sequence[str]) -> str:
    shown = [*labels, *sorted(set(per_type) - set(labels))]
    header = "".join(f"<th>{html.escape(h)}</th>" for h in ("Type", *KINDS))
    rows = [f"<tr>{header}</tr>"]
    for label in [*shown, "all"]:
        counts = (
            per_type.get(label, {})
            if label != "all"
            else {
                kind: sum(c.get(kind, 0) for c in per_type.values()) for kind in KINDS
            }
        )
        cells = "".join(f"<td>{counts.get(kind, 0) or '·'}</td>" for kind in KINDS)
        rows.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    return f'<table class="counts">{"".join(rows)}</table>'


def sentences(a_bin: DocBin, b_bin: DocBin, vocab: Vocab) -> Iterable[Sentence]:
    """The sentences of A's and B's predictions (score.py --predictions), each judged on its own gold."""
    for i, (a, b) in enumerate(zip(a_bin.get_docs(vocab), b_bin.get_docs(vocab))):
        if [t.text for t in a] != [t.text for t in b]:
            raise InputError(
                f"sentence {i + 1} differs between A's and B's predictions"
            )
        for system, doc in (("A", a), ("B", b)):
            if GOLD_KEY not in doc.spans:
                raise InputError(
                    f"{system}'s predictions lack the gold entities (doc.spans['{GOLD_KEY}']) at sentence "
                    f"{i + 1}: write them with score.py --predictions"
                )
        gold_a, gold_b = doc_spans(a, GOLD_KEY), doc_spans(b, GOLD_KEY)
        pred_a, pred_b = doc_spans(a), doc_spans(b)
        offsets = [(t.idx, t.idx + len(t)) for t in a]
        yield Sentence(
            i,
            a.text,
            offsets,
            gold_a,
            pred_a,
            pred_b,
            judge(gold_a, pred_a),
            judge(gold_b, pred_b),
            ent_scores(a),
            ent_scores(b),
        )


def ent_scores(doc: Doc) -> Dict[Span, float]:
    """The scores (ent._.score) of the doc's entities that have one."""
    return {
        (e.start, e.end, e.label_): e._.score for e in doc.ents if e._.score is not None
    }


def sample(indices: Sequence[int], size: int, seed: str) -> List[int]:
    """At most size of the indices, the same ones on every run, in order."""
    return sorted(random.Random(seed).sample(list(indices), min(size, len(indices))))


def render_page(a_bin: DocBin, b_bin: DocBin, size: int) -> str:
    """The error page of A's and B's predictions: counts, then a sample of at most size sentences a kind."""
    if len(a_bin) != len(b_bin):
        raise InputError(
            f"A has predictions for {len(a_bin)} sentences, B for {len(b_bin)}"
        )
    vocab = Vocab()
    counters = {"A": MistakeCounter(), "B": MistakeCounter()}
    by_kind: Dict[str, List[int]] = {kind: [] for kind in MISTAKES}
    confident: List[
        Tuple[float, str, Sentence, Judgement]
    ] = []  # the size most confident wrong predictions
    for s in sentences(a_bin, b_bin, vocab):
        counters["A"].add(s.a_judgements)
        counters["B"].add(s.b_judgements)
        kinds = {j.kind for j in (*s.a_judgements, *s.b_judgements)}
        for kind in MISTAKES:
            if kind in kinds:
                by_kind[kind].append(s.index)
        for system, judgements, scores in (
            ("A", s.a_judgements, s.a_scores),
            ("B", s.b_judgements, s.b_scores),
        ):
            confident += [
                (scores[j.predicted], system, s, j)
                for j in judgements
                if j.kind != RIGHT and j.predicted in scores
            ]
        confident = sorted(confident, key=lambda m: (-m[0], m[2].index, m[1]))[:size]
    samples = {kind: sample(indices, size, kind) for kind, indices in by_kind.items()}
    wanted = {i for chosen in samples.values() for i in chosen}
    shown = {s.index: s for s in sentences(a_bin, b_bin, vocab) if s.index in wanted}
    five = " ".join(TAGSETS["five"])
    body = [
        "<h1>MultiNERD NER: mistakes on the test split</h1>",
        "<p>Each gold entity is right, missed (no prediction overlaps it), of the wrong type (a prediction "
        "with its span, another type), of the wrong boundary (an overlapping prediction of its type), or both "
        "(only overlapping predictions of other types); a prediction that overlaps no gold entity is spurious. "
        f"Gold shows all 15 types; B is judged on its five ({five}).</p>",
    ]
    tables = [
        f"<div><h2>System {system}: entities per type and kind</h2>{counts_table(counter.per_type(), labels)}</div>"
        for (system, counter), labels in zip(
            counters.items(), (TAGSETS["full"], TAGSETS["five"])
        )
    ]
    body.append(f'<div class="systems">{"".join(tables)}</div>')
    links = [
        f'<a href="#{kind.replace(" ", "-")}">{kind}</a> ({len(by_kind[kind])})'
        for kind in MISTAKES
    ]
    body.append(
        f"<p>Sentences with each kind of mistake, by A or B: {', '.join(links)}; "
        '<a href="#confident">the most confident mistakes</a>.</p>'
    )
    for kind in MISTAKES:
        totals = ", ".join(
            f"{counter.total(kind)} in {system}" for system, counter in counters.items()
        )
        body += [
            f'<h2 id="{kind.replace(" ", "-")}">{kind.capitalize()}: {totals}</h2>',
            f"<p>{len(samples[kind])} of the {len(by_kind[kind])} sentences with this mistake, drawn at random "
            "(the same on every run).</p>"
            if by_kind[kind]
            else "<p>None.</p>",
            *(render_sentence(shown[i], kind) for i in samples[kind]),
        ]
    body += [
        '<h2 id="confident">The most confident mistakes</h2>',
        f"<p>The {len(confident)} wrong predictions of A or B with the highest scores (ent._.score).</p>"
        + confident_mistakes_table(confident)
        if confident
        else "<p>No scored wrong predictions (a pipeline without entity_scores, or no mistakes).</p>",
    ]
    return PAGE.format(title="MultiNERD NER: mistakes", body="\n".join(body))
