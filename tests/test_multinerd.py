import pytest

from multinerd import TAGS, TAGSETS, iob_spans, keep_types

# The hub's tag ids 0-30, as the dataset card lists them.
HUB_TAGS = """O B-PER I-PER B-ORG I-ORG B-LOC I-LOC B-ANIM I-ANIM B-BIO I-BIO B-CEL I-CEL B-DIS I-DIS
B-EVE I-EVE B-FOOD I-FOOD B-INST I-INST B-MEDIA I-MEDIA B-MYTH I-MYTH B-PLANT I-PLANT B-TIME I-TIME
B-VEHI I-VEHI""".split()


def test_tag_ids_match_the_hub():
    assert list(TAGS) == HUB_TAGS


def test_system_a_keeps_every_type_of_the_hub_and_b_the_five_of_the_paper():
    assert sorted(TAGSETS["full"]) == sorted(
        {tag[2:] for tag in HUB_TAGS if tag != "O"}
    )
    assert sorted(TAGSETS["five"]) == sorted("PER ORG LOC DIS ANIM".split())


@pytest.mark.parametrize(
    "tags,spans",
    [
        (["B-PER", "I-PER", "O"], [(0, 2, "PER")]),
        (["O", "I-PER", "I-PER"], [(1, 3, "PER")]),  # I after O starts an entity
        (
            ["B-PER", "I-LOC"],
            [(0, 1, "PER"), (1, 2, "LOC")],
        ),  # I of another type starts one
        (["I-LOC", "I-PER"], [(0, 1, "LOC"), (1, 2, "PER")]),
        (["B-PER", "B-PER"], [(0, 1, "PER"), (1, 2, "PER")]),  # B B: two entities
        (["B-PER", "O", "I-PER"], [(0, 1, "PER"), (2, 3, "PER")]),
        (["O", "O"], []),
        ([], []),
        (["B-MEDIA", "I-MEDIA", "I-MEDIA"], [(0, 3, "MEDIA")]),  # an entity at the end
    ],
)
def test_iob_spans_decode_like_seqeval(tags, spans):
    assert iob_spans(tags) == spans


def test_keep_types_five_drops_the_other_ten():
    spans = [
        (0, 1, "PER"),
        (1, 3, "MEDIA"),
        (3, 4, "ANIM"),
        (4, 5, "TIME"),
        (5, 6, "DIS"),
    ]
    assert keep_types(spans, "five") == [(0, 1, "PER"), (3, 4, "ANIM"), (5, 6, "DIS")]
    assert keep_types(spans, "full") == spans
