import random

import pytest

from edgespan_ml import tokenizer
from edgespan_ml.text import normalize, words
from edgespan_ml.tokenizer import SPECIALS, UNK, WordPieceTokenizer

TITLES = [
    "Acme 3/4 in. x 50 ft. Garden Hose",
    "Northwind Satin Nickel Door Knob",
    "Bluebird Matte Black Passage Door Knob",
    "Summit 1.5 gal. White Interior Paint",
    "Doorknob Set, Oil-Rubbed Bronze",
] * 3


def test_normalize_and_words_match_the_typescript_rules():
    assert normalize("  ＷＨＩＴＥ\tDoor  ") == "white door"
    assert words("1-1/2 in. x 3.5 ft. L-Shaped") == ["1", "1/2", "in", "x", "3.5", "ft", "l", "shaped"]


def test_context_free_per_word():
    tok = tokenizer.train(TITLES, vocab_size=200, min_frequency=1)
    rng = random.Random(1)
    for title in TITLES:
        ws = words(title)
        ids = tok.encode(title)
        i = rng.randrange(len(ws))
        j = rng.randrange(i, len(ws)) + 1
        span = tok.encode(" ".join(ws[i:j]))
        prefix = tok.encode(" ".join(ws[:i]))
        assert ids[len(prefix) : len(prefix) + len(span)] == span


def test_training_is_deterministic_and_starts_with_the_specials():
    a = tokenizer.train(TITLES, vocab_size=200, min_frequency=1)
    b = tokenizer.train(TITLES, vocab_size=200, min_frequency=1)
    assert a.vocab == b.vocab
    assert a.vocab[: len(SPECIALS)] == SPECIALS


def test_unknown_and_overlong_words():
    tok = WordPieceTokenizer([*SPECIALS, "door", "##knob"])
    assert tok.encode("doorknob zzz") == [5, 6, UNK]
    assert tok.encode("d" * 65) == [UNK]
    assert tok.decode(tok.encode("doorknob")) == "doorknob"


def test_save_load_round_trip_and_bad_header(tmp_path):
    tok = tokenizer.train(TITLES, vocab_size=200, min_frequency=1)
    path = tmp_path / "tok.txt"
    tok.save(path)
    assert WordPieceTokenizer.load(path).vocab == tok.vocab
    path.write_text("word-v1\n[PAD]\n")
    with pytest.raises(ValueError, match=r"tok.txt:1: expected header"):
        WordPieceTokenizer.load(path)
