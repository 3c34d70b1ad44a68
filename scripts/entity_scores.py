"""ent._.score: a probability for each entity of the NER, from the trained NER's own action scores.

The pipelines carry this file (`spacy package --code`), so a packaged pipeline loaded by name sets it with
no project code on the path; a pipeline folder needs it imported (`--code scripts/entity_scores.py`).

    nlp = spacy.load("en_multinerd_b")
    [(ent.text, ent.label_, ent._.score) for ent in nlp(text).ents]
    spacy.load("en_multinerd_b", config={"components": {"entity_scores": {"min_score": 0.5}}})  # a threshold

spaCy's NER tags a sentence by one action a token (B-, I-, L-, U- of a type, or O), each the best-scoring
of the actions valid there. The score of an entity is the probability of its actions (U-X, or B-X I-X ...
L-X), each a softmax of the NER's scores over the valid actions, divided by `temperature`.
"""

from typing import Iterable, Iterator, List, Sequence

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training.iob_utils import doc_to_biluo_tags
from spacy.util import minibatch

if not Span.has_extension("score"):
    Span.set_extension("score", default=None)


def make_entity_scores(
    nlp: Language, name: str, ner: str, temperature: float, min_score: float
) -> "EntityScores":
    return EntityScores(
        nlp, name, ner=ner, temperature=temperature, min_score=min_score
    )


# Registered once per process: a packaged pipeline's copy of this file and the project's may both be imported.
if not Language.has_factory("entity_scores"):
    Language.factory(
        "entity_scores",
        default_config={"ner": "ner", "temperature": 1.0, "min_score": 0.0},
        assigns=["span._.score"],
        requires=["doc.ents"],
        func=make_entity_scores,
    )


class ValidActions:
    """Which of a BILUO NER's actions are valid at a token of a doc without preset entities, as spaCy's
    BiluoPushDown decides: by the type of the entity open there (if any), whether the token ends the doc or its
    sentence, and whether it is whitespace (where no entity starts)."""

    def __init__(self, names: Sequence[str]):
        self.names = list(names)
        self.index = {name: i for i, name in enumerate(names)}
        labels = sorted(
            {name[2:] for name in names if name[:2] in ("B-", "U-") and len(name) > 2}
        )

        def mask(wanted) -> numpy.ndarray:
            return numpy.array([wanted(name) for name in names])

        self.closed = mask(lambda n: n == "O" or (n[:2] in ("B-", "U-") and len(n) > 2))
        self.closed_at_end = mask(
            lambda n: n == "O" or (n.startswith("U-") and len(n) > 2)
        )
        self.outside = mask(lambda n: n == "O")
        self.open = {
            label: mask(lambda n: n in (f"I-{label}", f"L-{label}")) for label in labels
        }
        self.open_at_end = {
            label: mask(lambda n: n == f"L-{label}") for label in labels
        }

    def at(self, open_label: str, at_end: bool, space: bool) -> numpy.ndarray:
        """The mask after open_label's B- or I- ("" if no entity is open), at a token that ends the doc or its
        sentence or not, that is whitespace or not."""
        if open_label:
            return (self.open_at_end if at_end else self.open)[open_label]
        if space:
            return self.outside
        return self.closed_at_end if at_end else self.closed


def action_log_probs(ner, docs: List[Doc], temperature: float) -> List[numpy.ndarray]:
    """For each doc, the log probability of the NER's action at each token, its entities being what the NER
    tagged: the NER is run again along its own actions (its scores depend on the actions before)."""
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    valid = ValidActions(names)
    tags = [doc_to_biluo_tags(doc) for doc in docs]
    states = ner.moves.init_batch(docs)
    step_model = ner.model.predict(docs)
    log_probs = [numpy.zeros(len(doc)) for doc in docs]
    active = [i for i, state in enumerate(states) if not state.is_final()]
    token = 0
    while active:
        scores = (
            ner.model.ops.to_numpy(step_model.predict([states[i] for i in active]))
            / temperature
        )
        masks = []
        for i in active:
            previous = tags[i][token - 1] if token else "O"
            open_label = previous[2:] if previous[:2] in ("B-", "I-") else ""
            at_end = token == len(docs[i]) - 1 or docs[i][token + 1].is_sent_start
            masks.append(valid.at(open_label, bool(at_end), docs[i][token].is_space))
        scores = numpy.where(numpy.array(masks), scores, -numpy.inf)
        top = scores.max(axis=1, keepdims=True)
        log_z = top[:, 0] + numpy.log(numpy.exp(scores - top).sum(axis=1))
        for row, i in enumerate(active):
            tag = tags[i][token]
            log_probs[i][token] = scores[row, valid.index[tag]] - log_z[row]
            ner.moves.apply_transition(states[i], tag)
        token += 1
        active = [i for i in active if not states[i].is_final()]
    step_model.clear_memory()
    return log_probs


class EntityScores:
    """Sets ent._.score on the entities that the NER component `ner` found (see the module's docstring), and
    drops those that score below min_score."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        ner: str,
        temperature: float,
        min_score: float,
    ):
        self.nlp = nlp
        self.name = name
        self.ner = ner
        self.temperature = temperature
        self.min_score = min_score

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            yield from self.set_scores(batch)

    def set_scores(self, docs: List[Doc]) -> List[Doc]:
        with_ents = [doc for doc in docs if doc.ents]  # nothing to score in the others
        if with_ents:
            ner = self.nlp.get_pipe(self.ner)
            for doc, log_probs in zip(
                with_ents, action_log_probs(ner, with_ents, self.temperature)
            ):
                self.score_ents(doc, log_probs)
        return docs

    def score_ents(self, doc: Doc, log_probs: numpy.ndarray) -> None:
        kept = []
        for ent in doc.ents:
            ent._.score = float(numpy.exp(log_probs[ent.start : ent.end].sum()))
            if ent._.score >= self.min_score:
                kept.append(ent)
        if len(kept) < len(doc.ents):
            doc.set_ents(kept, default="outside")
