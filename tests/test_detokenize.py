"""The detokenizer spaces MultiNERD's tokens as raw text would: each expected text is written by hand."""

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from detokenize import spaces


@pytest.mark.parametrize(
    "tokens, lang, text",
    [
        ("Paris , France .", "en", "Paris, France."),
        (
            "born in Rome ( Italy ) ; died [ 1970 ] : yes ! no ?",
            "en",
            "born in Rome (Italy); died [1970]: yes! no?",
        ),
        ("Obama 's visit did n't end .", "en", "Obama's visit didn't end."),
        ("Il a dit : oui ; non ! ( Paris ) .", "fr", "Il a dit : oui ; non ! (Paris)."),
        (
            "Rom 's Mauern , 1970 .",
            "de",
            "Rom 's Mauern, 1970.",
        ),  # the English clitics are English only
        ("北 京 市 ， 中 国 。", "zh", "北京市，中国。"),
        ("Paris", "en", "Paris"),
    ],
)
def test_raw_text_spacing(tokens, lang, text):
    words = tokens.split()
    assert Doc(Vocab(), words=words, spaces=spaces(words, lang)).text == text


def test_no_tokens_no_spaces():
    assert spaces([], "en") == []
