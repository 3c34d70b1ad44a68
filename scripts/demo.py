"""A live demo: paste text, see the entities of systems A and B side by side.

    streamlit run scripts/demo.py --server.address 127.0.0.1 -- [PIPELINE_A] [PIPELINE_B]

Each pipeline is an installed package (e.g. en_multinerd_b) or a pipeline folder; the page's fields
change them. Each system shows its entities highlighted (spacy-streamlit), then a table of their text,
type, score (ent._.score, the entity's probability), character offsets and token span. The slider hides
the entities that score below it. The text may be up to MAX_CHARS characters long (a few pages):
longer text gets a message, not a wait; scripts/annotate.py takes documents of any length.
"""

import sys
from typing import Sequence

import pandas as pd
import spacy
import streamlit as st
from spacy.util import get_installed_models
from spacy_streamlit import visualize_ner

import entity_scores  # noqa: F401  (the pipelines' entity_scores component)
from mistakes import COLORS

ENTITY_COLUMNS = ["text", "type", "score", "start char", "end char", "tokens"]
DEFAULTS = ("training/trf/a/model-best", "training/trf/b/model-best")
MAX_CHARS = 10_000
TEXT = "Marie Curie won the Nobel Prize in Paris after a bout of influenza, and her dog slept through it."


@st.cache_resource(max_entries=4, show_spinner="Loading the pipeline…")
def load(name: str):
    return spacy.load(name)


def show(system: str, name: str, text: str, min_score: float) -> None:
    st.subheader(f"System {system}")
    try:
        nlp = load(name)
    except (OSError, ValueError) as err:
        st.error(f"Cannot load {name}: {err}")
        return
    doc = nlp(text)
    # A pipeline without entity_scores has no scores: the slider leaves its entities alone.
    doc.ents = [e for e in doc.ents if e._.score is None or e._.score >= min_score]
    labels = nlp.pipe_labels.get("ner", ())
    visualize_ner(
        doc,
        labels=labels,
        show_table=False,
        title=None,
        colors=COLORS,
        key=f"{system}:{name}",
    )
    if doc.ents:
        rows = [
            (
                e.text,
                e.label_,
                e._.score,
                e.start_char,
                e.end_char,
                f"{e.start}–{e.end}",
            )
            for e in doc.ents
        ]
        st.dataframe(pd.DataFrame(rows, columns=ENTITY_COLUMNS), hide_index=True)
    else:
        st.caption("No entities.")


def app(defaults: Sequence[str]) -> None:
    st.set_page_config(page_title="MultiNERD NER demo", layout="wide")
    st.title("MultiNERD NER: system A and system B")
    installed = ", ".join(get_installed_models()) or "none"
    hint = f"An installed pipeline (installed: {installed}) or a pipeline folder"
    fields = st.columns(2)
    names = [
        column.text_input(f"System {s}", value, help=hint)
        for s, value, column in zip("AB", defaults, fields)
    ]
    text = st.text_area("Text", TEXT, height=100)
    min_score = st.slider(
        "Minimum score",
        0.0,
        1.0,
        0.0,
        0.05,
        help="Hide the entities whose score (ent._.score) is lower",
    )
    if len(text) > MAX_CHARS:
        st.error(
            f"The text has {len(text):,} characters; the demo takes at most {MAX_CHARS:,}. Paste a shorter part, "
            "or annotate long documents with scripts/annotate.py."
        )
        return
    for system, name, column in zip("AB", names, st.columns(2)):
        with column:
            show(system, name, text, min_score)


app([*sys.argv[1:], *DEFAULTS[len(sys.argv[1:]) :]][:2])
