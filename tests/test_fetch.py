import json

from helpers import run_script
from multinerd import TAG_IDS

FILES = ["train_en.jsonl", "val_en.jsonl", "test_en.jsonl"]


def test_existing_files_are_left_untouched_offline(tmp_path):
    for name in FILES:
        (tmp_path / name).write_text(f'{{"tokens": ["{name}"], "ner_tags": [0]}}\n')
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    result = run_script("fetch.py", "en", tmp_path)
    assert result.returncode == 0, result.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before


def test_offline_without_files_says_what_to_put_where(tmp_path):
    result = run_script("fetch.py", "en", tmp_path / "assets")
    assert result.returncode == 1
    out = result.stderr.strip()
    assert "\n" not in out
    assert all(name in out for name in FILES) and f"{tmp_path / 'assets'}/" in out
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "assets").iterdir()) == []


def test_original_tsv_release_is_converted_to_hub_jsonl(tmp_path):
    sentences = "0\tBarack\tB-PER\n1\tObama\tI-PER\n2\tslept\tO\n\n0\tRome\tB-LOC\n"
    for name in ("train_en.tsv", "dev_en.tsv", "test_en.tsv"):
        (tmp_path / name).write_text(sentences)
    result = run_script("fetch.py", "en", tmp_path)
    assert result.returncode == 0, result.stderr
    for name in FILES:
        lines = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        assert lines == [
            {"tokens": ["Barack", "Obama", "slept"], "ner_tags": [TAG_IDS["B-PER"], TAG_IDS["I-PER"], 0], "lang": "en"},
            {"tokens": ["Rome"], "ner_tags": [TAG_IDS["B-LOC"]], "lang": "en"},
        ]


def test_bad_tsv_names_file_and_line(tmp_path):
    (tmp_path / "train_en.tsv").write_text("0\tBarack\tB-PER\n1\tObama\tB-PERSON\n")
    result = run_script("fetch.py", "en", tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / 'train_en.tsv'}:2:" in result.stderr
    assert not (tmp_path / "train_en.jsonl").exists()


def test_unknown_language(tmp_path):
    result = run_script("fetch.py", "xx", tmp_path)
    assert result.returncode == 1 and "Unknown language 'xx'" in result.stderr
