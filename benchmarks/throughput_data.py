"""The throughput benchmarks' data: an endless stream of synthetic MultiNERD-like sentences (lengths and entity
density of MultiNERD English, Zipf-distributed pseudo-words), the vocabulary of their tokenizer, and DocBins of them.
"""

import itertools
import random
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab

from multinerd import ENTITY_TYPES, iob_spans

# Seed of the sentences, and of the order the baseline trains on them in.
SEED = 0
# Sentence lengths in words: lognormal with a mean of about 23 and a long tail, like MultiNERD English.
# At most MAX_LENGTH words (about 200 wordpieces, far below 512): no sentence needs truncating.
LENGTH_MU, LENGTH_SIGMA, MIN_LENGTH, MAX_LENGTH = 2.95, 0.6, 3, 150
# An entity starts at a word with this probability; 1-4 words long, so about 12% of words are in one.
ENTITY_START, ENTITY_LENGTHS, ENTITY_LENGTH_WEIGHTS = (
    0.075,
    (1, 2, 3, 4),
    (50, 30, 15, 5),
)
PUNCTUATION, PUNCTUATION_SHARE = [",", "(", ")", "-", ":", "'s", '"'], 0.1
# Pseudo-words of one to three syllables, drawn with Zipf frequencies (shorter words more frequent).
ONSETS = [
    "",
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "br",
    "ch",
    "cl",
    "pr",
    "sh",
    "st",
    "th",
    "tr",
]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
CODAS = ["", "l", "n", "r", "s", "t", "nd", "ng", "rk", "st"]
LEXICON_SIZE = 50_000
# The tokenizer knows the most frequent words whole (lower-case and capitalised) and splits the others
# into syllables; names are drawn from the rarer words, so they split more often, as real names do.
KNOWN_WORDS, FIRST_NAME_RANK = 11_000, 2_000

Sentence = Tuple[List[str], List[str]]  # words, IOB tags


def synthetic_corpus(n_sentences: int) -> Tuple[List[Sentence], List[str]]:
    """MultiNERD-like sentences with valid IOB tags, and the vocabulary entries of their tokenizer."""
    sentences, pieces = synthetic_sentences()
    return list(itertools.islice(sentences, n_sentences)), pieces


def synthetic_sentences(seed: int = SEED) -> Tuple[Iterator[Sentence], List[str]]:
    """An endless stream of MultiNERD-like sentences with valid IOB tags, and their tokenizer's vocabulary."""
    rng = random.Random(seed)
    syllables = [
        onset + vowel + coda for onset in ONSETS for vowel in VOWELS for coda in CODAS
    ]
    lexicon: Dict[str, None] = {}
    while len(lexicon) < LEXICON_SIZE:
        n_syllables = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
        lexicon.setdefault("".join(rng.choices(syllables, k=n_syllables)), None)
    words_by_rank = sorted(lexicon, key=len)
    cum_weights = list(
        itertools.accumulate(1 / (rank + 2.7) for rank in range(LEXICON_SIZE))
    )
    names = words_by_rank[FIRST_NAME_RANK:]

    def generate() -> Iterator[Sentence]:
        while True:
            length = min(
                MAX_LENGTH,
                max(MIN_LENGTH, round(rng.lognormvariate(LENGTH_MU, LENGTH_SIGMA))),
            )
            words: List[str] = []
            tags: List[str] = []
            while len(words) < length - 1:
                if rng.random() < ENTITY_START:
                    label = rng.choice(ENTITY_TYPES)
                    size = min(
                        rng.choices(ENTITY_LENGTHS, ENTITY_LENGTH_WEIGHTS)[0],
                        length - 1 - len(words),
                    )
                    words += [name.capitalize() for name in rng.choices(names, k=size)]
                    tags += [f"B-{label}"] + [f"I-{label}"] * (size - 1)
                else:
                    if rng.random() < PUNCTUATION_SHARE:
                        words.append(rng.choice(PUNCTUATION))
                    else:
                        words.append(
                            rng.choices(words_by_rank, cum_weights=cum_weights)[0]
                        )
                    tags.append("O")
            words[0] = words[0].capitalize()
            yield words + ["."], tags + ["O"]

    known = words_by_rank[:KNOWN_WORDS]
    pieces = (
        PUNCTUATION
        + ["."]
        + known
        + [w.capitalize() for w in known]
        + syllables
        + [s.capitalize() for s in syllables]
        + [f"##{s}" for s in syllables]
    )
    return generate(), pieces


def write_docbin(sentences: Sequence[Sentence], path: Path) -> None:
    vocab = Vocab()
    doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"])
    for words, tags in sentences:
        doc = Doc(vocab, words=words)
        doc.set_ents([Span(doc, *span) for span in iob_spans(tags)], default="outside")
        doc_bin.add(doc)
    doc_bin.to_disk(path)
