"""Write the results report of systems A and B: Markdown tables and a per-type F1 chart.

    python scripts/report.py SYSTEM_A_DIR SYSTEM_B_DIR OUTPUT [--error-samples N] [--readme README.md]

Each system folder holds test_scores.json (spacy evaluate), seqeval_scores.json (score.py; A's
with its five-types scores) and test_predictions.spacy (score.py --predictions). OUTPUT is the
report (Markdown); the charts go beside it as STEM_f1.png and STEM_confidence.png (how well ent._.score
predicts a right entity: reliability, and P/R/F by score threshold), and the error page as errors.html: test
sentences with gold and both systems' predictions, at most N of them for each kind of mistake,
from the saved predictions (nothing is tagged again). --readme also replaces the text between
`<!-- results:start -->` and `<!-- results:end -->` in that file with a short results table, or
with "Not yet measured." when the scores are not there.
"""

from pathlib import Path
from typing import Dict, List, Optional, Sequence

import typer
from wasabi import msg

from mistakes import KINDS, NONE, render_page
from multinerd import TAGSETS
from safe_io import (
    InputError,
    Outputs,
    fail,
    read_docbin,
    read_json,
    replace_between_markers,
    reports_errors,
    write_text,
)

SCORE_FILES = ("test_scores.json", "seqeval_scores.json")
# The keys the report reads from each score file.
REQUIRED_KEYS = {
    "test_scores.json": ("ents_p", "ents_r", "ents_f", "ents_per_type"),
    "seqeval_scores.json": (
        "model",
        "transformer",
        "pipeline",
        "lang",
        "gold",
        "sentences",
        "tokens",
        "hardware",
        "scores.per_type",
        "scores.p",
        "scores.r",
        "scores.f",
        "scores.token_acc",
    ),
}
PREDICTIONS = "test_predictions.spacy"
ERRORS_PAGE = "errors.html"
# score.py's overall scores, in the order of the tables' columns.
SEQEVAL_KEYS = ("p", "r", "f", "token_acc")
README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"
NOT_MEASURED = "Not yet measured."
SCORES_NOTE = (
    "*spaCy*: `spacy evaluate`, which re-tokenizes each sentence's text and aligns it to the gold tokens. "
    "*seqeval*: entity-level micro scores over the gold tokens' IOB2 tags, decoded as seqeval's default mode "
    "does: the scores Hugging Face's token-classification scripts report. Token accuracy is the share of "
    "tokens whose IOB2 tag is right (seqeval's `accuracy_score`, Hugging Face's `overall_accuracy`)."
)


def pct(score: Optional[float]) -> str:
    return "–" if score is None else f"{100 * score:.2f}"


def delta(b: Optional[float], a: Optional[float]) -> str:
    return "–" if a is None or b is None else f"{100 * (b - a):+.2f}"


def table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join(
        "| " + " | ".join(str(cell) for cell in line) + " |" for line in lines
    )


def missing_files(system_dirs: Sequence[Path]) -> List[Path]:
    return [
        path
        for d in system_dirs
        for path in (d / name for name in SCORE_FILES)
        if not path.exists()
    ]


def load(system_dir: Path) -> dict:
    """A system's spacy evaluate scores ('spacy') and score.py's ('seqeval')."""
    spacy_scores, seqeval = (
        read_json(system_dir / name, REQUIRED_KEYS[name]) for name in SCORE_FILES
    )
    return {"spacy": spacy_scores, "seqeval": seqeval}


def setup(seqeval: dict) -> Dict[str, str]:
    """Pipeline, test data and hardware of a score.py result."""
    transformer = f" on `{seqeval['transformer']}`" if seqeval["transformer"] else ""
    return {
        "Pipeline": ", ".join(f"`{pipe}`" for pipe in seqeval["pipeline"])
        + transformer,
        "Test data": f"MultiNERD `{seqeval['lang']}`, {Path(seqeval['gold']).stem} split, "
        f"{seqeval['sentences']} sentences, {seqeval['tokens']} tokens",
        "Scored on": seqeval["hardware"],
    }


def five_types_scores(a: dict, b: dict) -> Dict[str, dict]:
    """A's scores on B's five types and B's scores, checked to be on the same gold."""
    five = a["seqeval"].get("five_types")
    if five is None:
        raise InputError(
            f"{a['seqeval']['model']}'s seqeval scores have no five-types scores (--five-types-gold)"
        )
    if five["gold"] != b["seqeval"]["gold"]:
        raise InputError(
            f"A's five types are scored on {five['gold']}, B on {b['seqeval']['gold']}: not the same data"
        )
    return {"A (five types)": five["scores"], "B": b["seqeval"]["scores"]}


def verdict(a_f: float, b_f: float) -> str:
    if b_f == a_f:
        return (
            "**B neither helps nor hurts**: the same F on the five shared types as A."
        )
    word, side = ("helps", "above") if b_f > a_f else ("hurts", "below")
    return f"**B {word}**: its F on the five shared types is {abs(100 * (b_f - a_f)):.2f} points {side} A's."


def per_type_table(system: dict, labels: Sequence[str]) -> str:
    spacy_per_type = system["spacy"]["ents_per_type"] or {}
    seqeval_per_type = system["seqeval"]["scores"]["per_type"]
    rows = []
    for label in labels:
        s, q = spacy_per_type.get(label, {}), seqeval_per_type.get(label, {})
        rows.append(
            [
                label,
                q.get("support", 0),
                *(pct(s.get(k)) for k in "prf"),
                *(pct(q.get(k)) for k in "prf"),
            ]
        )
    return table(
        [
            "Type",
            "Support",
            "spaCy P",
            "spaCy R",
            "spaCy F",
            "seqeval P",
            "seqeval R",
            "seqeval F",
        ],
        rows,
    )


def per_lang_table(a: dict, b: dict) -> str:
    """seqeval P/R/F of A and B per language of the test data, then over all sentences (micro)."""
    a_scores, b_scores = a["seqeval"]["scores"], b["seqeval"]["scores"]
    a_langs, b_langs = a_scores.get("per_lang", {}), b_scores.get("per_lang", {})
    rows = []
    for lang in sorted(a_langs.keys() | b_langs.keys()):
        a_lang, b_lang = a_langs.get(lang, {}), b_langs.get(lang, {})
        sentences = a_lang.get("sentences", b_lang.get("sentences", 0))
        rows.append(
            [
                f"`{lang}`",
                sentences,
                *(pct(a_lang.get(k)) for k in "prf"),
                *(pct(b_lang.get(k)) for k in "prf"),
            ]
        )
    rows.append(
        [
            "all (micro)",
            a["seqeval"]["sentences"],
            *(pct(a_scores[k]) for k in "prf"),
            *(pct(b_scores[k]) for k in "prf"),
        ]
    )
    return table(
        ["Language", "Sentences", "A P", "A R", "A F", "B P", "B R", "B F"], rows
    )


def mistakes_of(system: dict) -> Dict[str, Dict[str, int]]:
    seqeval = system["seqeval"]
    if "mistakes" not in seqeval or "confusion" not in seqeval:
        raise InputError(
            f"{seqeval['model']}'s seqeval scores have no mistakes and confusion table: rerun score.py"
        )
    return seqeval["mistakes"]


def kinds_table(a: dict, b: dict) -> str:
    a_kinds, b_kinds = mistakes_of(a), mistakes_of(b)
    rows = [
        [kind, *(sum(t.get(kind, 0) for t in s.values()) for s in (a_kinds, b_kinds))]
        for kind in KINDS
    ]
    return table(["Entities", "A", "B"], rows)


def confusion_table(system: dict, labels: Sequence[str]) -> str:
    """Gold type (rows) × predicted type (columns), "none" for missed and spurious; · for 0."""
    confusion = system["seqeval"]["confusion"]
    seen = set(confusion) | {p for row in confusion.values() for p in row}
    axis = [*labels, *sorted(seen - set(labels) - {NONE}), NONE]
    rows = [
        [f"**{g}**", *(confusion.get(g, {}).get(p, "·") for p in axis)] for g in axis
    ]
    return table(["Gold ↓ predicted →", *axis], rows)


def render_report(a: dict, b: dict, chart_name: str, confidence_chart_name: str) -> str:
    five = five_types_scores(a, b)
    a5, b5 = five.values()
    a_setup, b_setup = setup(a["seqeval"]), setup(b["seqeval"])
    setup_rows = [["Types", "all 15", " ".join(TAGSETS["five"])]]
    setup_rows += [[key, a_setup[key], b_setup[key]] for key in a_setup]
    overall = [
        [
            name,
            *(pct(s["spacy"][f"ents_{k}"]) for k in "prf"),
            *(pct(s["seqeval"]["scores"][k]) for k in SEQEVAL_KEYS),
        ]
        for name, s in (("A", a), ("B", b))
    ]
    five_overall = [
        [name, *(pct(s[k]) for k in SEQEVAL_KEYS)] for name, s in five.items()
    ]
    five_overall.append(["B − A", *(delta(b5[k], a5[k]) for k in SEQEVAL_KEYS)])
    five_per_type = []
    for label in TAGSETS["five"]:
        a_f, b_f = (s["per_type"].get(label, {}).get("f") for s in (a5, b5))
        support = b5["per_type"].get(label, {}).get("support", 0)
        five_per_type.append([label, support, pct(a_f), pct(b_f), delta(b_f, a_f)])
    seqeval_header = ["seqeval P", "seqeval R", "seqeval F", "Token accuracy"]
    sections = [
        "# MultiNERD NER: test results",
        table(["", "System A", "System B"], setup_rows),
        "All scores in percent.",
        "## Overall",
        table(["System", "spaCy P", "spaCy R", "spaCy F", *seqeval_header], overall),
        SCORES_NOTE,
        "## Per language",
        "seqeval-style, each system on its own test data; the last row is over the sentences of every language.",
        per_lang_table(a, b),
        "## A vs B on the five shared types",
        f"Both systems scored on B's test data (`{b['seqeval']['gold']}`), seqeval-style; A's predictions of "
        "the other ten types are dropped (those tokens count as O).",
        table(["System", *seqeval_header], five_overall),
        verdict(a5["f"], b5["f"]),
        table(["Type", "Support", "A F", "B F", "B − A"], five_per_type),
        "## Per type",
        "### System A",
        per_type_table(a, TAGSETS["full"]),
        "### System B",
        per_type_table(b, TAGSETS["five"]),
        f"![Per-type F1 of systems A and B]({chart_name})",
        "## Mistakes",
        "Each gold entity is right, missed (no prediction overlaps it), of the wrong type (a prediction with "
        "its span, another type), of the wrong boundary (an overlapping prediction of its type), or of the wrong "
        "type and boundary (only overlapping predictions of other types); a prediction that overlaps no gold "
        f"entity is spurious. [{ERRORS_PAGE}]({ERRORS_PAGE}) shows test sentences with each kind of mistake.",
        kinds_table(a, b),
        "### Confusion",
        "Each gold entity counted once (rows), under the type of the prediction on or over its span "
        "(columns); *none*: missed (column) and spurious (row).",
        "#### System A",
        confusion_table(a, TAGSETS["full"]),
        "#### System B",
        confusion_table(b, TAGSETS["five"]),
        *confidence_section(a, b, confidence_chart_name),
    ]
    return "\n\n".join(sections) + "\n"


def render_readme_results(a: dict, b: dict, report_path: Path) -> str:
    a5, b5 = five_types_scores(a, b).values()
    five = " ".join(TAGSETS["five"])
    systems = (
        ("A", "all 15", a["seqeval"]["scores"]),
        ("B", five, b5),
        ("A on B's five types", five, a5),
    )
    rows = [
        [name, types, *(pct(s[k]) for k in SEQEVAL_KEYS)] for name, types, s in systems
    ]
    a_setup, b_setup = setup(a["seqeval"]), setup(b["seqeval"])
    setup_line = " ".join(
        f"{key}: {a_setup[key] if a_setup[key] == b_setup[key] else f'{a_setup[key]} (A), {b_setup[key]} (B)'}."
        for key in a_setup
    )
    note = (
        "Entity-level micro scores and token accuracy in percent, as seqeval computes them (comparable with "
        f"Hugging Face results). {verdict(a5['f'], b5['f'])} `{report_path}` has spaCy's scores and per-type tables."
    )
    results = table(
        ["System", "Types", "Precision", "Recall", "F1", "Token accuracy"], rows
    )
    return "\n\n".join([setup_line, results, note])


def confidence_section(a: dict, b: dict, chart_name: str) -> List[str]:
    """How well each system's ent._.score predicts a right entity: ECE, and P/R/F at each score threshold."""
    confidence = {
        name: s["seqeval"].get("confidence") for name, s in (("A", a), ("B", b))
    }
    if not all(confidence.values()):
        return [
            "## Confidence",
            "Not measured: a pipeline without the entity_scores component (ent._.score).",
        ]
    a_rows, b_rows = (c["by_threshold"] for c in confidence.values())
    rows = [
        [
            f"≥ {ra['threshold']:.1f}",
            ra["entities"],
            *(pct(ra[k]) for k in "prf"),
            rb["entities"],
            *(pct(rb[k]) for k in "prf"),
        ]
        for ra, rb in zip(a_rows, b_rows)
    ]
    eces = ", ".join(f"{name} {c['ece']:.3f}" for name, c in confidence.items())
    return [
        "## Confidence",
        "Each predicted entity's `ent._.score` (scripts/entity_scores.py) against whether it is right (its span "
        f"and type in the gold). Expected calibration error over 10 score bins: {eces} (0: each bin's share of "
        "right entities equals its mean score). Keeping only the entities that score at least a threshold:",
        table(
            [
                "Score",
                "A entities",
                "A P",
                "A R",
                "A F",
                "B entities",
                "B P",
                "B R",
                "B F",
            ],
            rows,
        ),
        f"![Reliability of the scores, and P/R/F by threshold]({chart_name})",
    ]


def write_confidence_chart(a: dict, b: dict, path: Path) -> None:
    """Reliability (mean score vs. share right, per bin) and P/R/F by threshold, A and B side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (reliability, threshold) = plt.subplots(1, 2, figsize=(10, 4))
    reliability.plot([0, 1], [0, 1], color="#999", linestyle=":", label="perfect")
    for name, system in (("A", a), ("B", b)):
        confidence = system["seqeval"]["confidence"]
        shown = [
            (row["score"], row["precision"])
            for row in confidence["bins"]
            if row["entities"]
        ]
        reliability.plot(
            *zip(*shown),
            marker="o",
            label=f"System {name} (ECE {confidence['ece']:.3f})",
        )
        rows = confidence["by_threshold"]
        for key, style in (("p", "--"), ("r", ":"), ("f", "-")):
            threshold.plot(
                [r["threshold"] for r in rows],
                [r[key] for r in rows],
                style,
                label=f"{name} {key.upper()}",
            )
    reliability.set(
        xlabel="Mean score in the bin",
        ylabel="Share of right entities",
        xlim=(0, 1),
        ylim=(0, 1),
        title="Reliability of ent._.score",
    )
    threshold.set(
        xlabel="Score threshold",
        ylim=(0, 1),
        title="Entities scoring at least the threshold",
    )
    reliability.legend(fontsize="small")
    threshold.legend(fontsize="small", ncol=2)
    fig.tight_layout()
    fig.savefig(path, format="png")  # path may be a temporary name with no .png
    plt.close(fig)


def write_chart(a: dict, b: dict, path: Path) -> None:
    """A per-type F1 bar chart (seqeval-style), A and B side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = TAGSETS["full"]
    fig, ax = plt.subplots(figsize=(10, 4))
    for name, system, offset in (("A", a, -0.2), ("B", b, 0.2)):
        per_type = system["seqeval"]["scores"]["per_type"]
        shown = [
            (i + offset, 100 * per_type[label]["f"])
            for i, label in enumerate(labels)
            if label in per_type
        ]
        ax.bar(
            [x for x, _ in shown],
            [f for _, f in shown],
            width=0.4,
            label=f"System {name}",
        )
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 100)
    ax.set_ylabel("F1 (%)")
    ax.set_title("Per-type F1 on the test split (seqeval-style)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")  # path may be a temporary name with no .png
    plt.close(fig)


def readme_text(readme_path: Path) -> str:
    """The README's text, checked to have the results markers; InputError naming it if not."""
    try:
        text = readme_path.read_text(encoding="utf8")
        replace_between_markers(text, README_START, README_END, "")
    except OSError as err:
        raise InputError(f"{readme_path}: cannot read it ({err.strerror})") from None
    except (InputError, UnicodeDecodeError) as err:
        raise InputError(f"{readme_path}: {err}") from None
    return text


@reports_errors
def main(
    a_dir: Path = typer.Argument(..., help="System A's folder (training/PIPELINE/a)"),
    b_dir: Path = typer.Argument(..., help="System B's folder (training/PIPELINE/b)"),
    output_path: Path = typer.Argument(..., help="Report to write (Markdown)"),
    error_samples: int = typer.Option(
        20,
        "--error-samples",
        min=0,
        help="Sentences shown for each kind of mistake, at most",
    ),
    readme_path: Optional[Path] = typer.Option(
        None, "--readme", help="Also write the results section of this README"
    ),
):
    """Write the report of systems A and B, and optionally the README's results section."""
    chart_path = output_path.with_name(f"{output_path.stem}_f1.png")
    confidence_path = output_path.with_name(f"{output_path.stem}_confidence.png")
    errors_path = output_path.with_name(ERRORS_PAGE)
    outputs = Outputs(
        files=[output_path, chart_path, confidence_path, errors_path, readme_path],
        inputs=[a_dir, b_dir],
    )
    readme = None if readme_path is None else readme_text(readme_path)
    missing = ", ".join(map(str, missing_files([a_dir, b_dir])))
    with outputs:
        if missing:
            if readme_path is None:
                fail(f"No scores to report: {missing} missing")
            outputs.write(
                readme_path,
                write_text(
                    replace_between_markers(
                        readme, README_START, README_END, NOT_MEASURED
                    )
                ),
            )
            outputs.commit()
            msg.warn(
                f"No scores ({missing} missing): {readme_path} says '{NOT_MEASURED}'"
            )
            return
        a, b = load(a_dir), load(b_dir)
        predictions = [d / PREDICTIONS for d in (a_dir, b_dir)]
        for path in predictions:
            if not path.is_file():
                raise InputError(
                    f"{path}: no such file (score.py --predictions writes it)"
                )
        report = render_report(a, b, chart_path.name, confidence_path.name)
        page = render_page(*(read_docbin(path) for path in predictions), error_samples)
        outputs.write(output_path, write_text(report))
        outputs.write(chart_path, lambda tmp: write_chart(a, b, tmp))
        if a["seqeval"].get("confidence") and b["seqeval"].get("confidence"):
            outputs.write(
                confidence_path, lambda tmp: write_confidence_chart(a, b, tmp)
            )
        outputs.write(errors_path, write_text(page))
        if readme_path is not None:
            results = render_readme_results(a, b, output_path)
            outputs.write(
                readme_path,
                write_text(
                    replace_between_markers(readme, README_START, README_END, results)
                ),
            )
        outputs.commit()
    msg.good(f"Wrote {output_path}, its charts and {errors_path}")
    if readme_path is not None:
        msg.good(f"Wrote the results section of {readme_path}")


if __name__ == "__main__":
    typer.run(main)
