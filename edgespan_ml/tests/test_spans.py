import random

from edgespan_ml.spans import build_target, product_type, pseudo_query, stem, typo, within_edits, word_match
from edgespan_ml.text import words


def test_word_matching_rules():
    assert stem("knobs") == "knob" and stem("batteries") == "battery" and stem("glass") == "glass"
    assert within_edits("toilet", "toliet", 1)  # transposition
    assert not within_edits("toilet", "tablet", 1)
    assert word_match("mowe", "mower")  # partial word
    assert word_match("faucets", "faucet")
    assert not word_match("in", "inch")


def test_product_type_skips_numbers_and_units():
    title = "Northwind 52 in. Brushed Nickel Ceiling Fan with Light Kit"
    assert [words(title)[i] for i in product_type(title)] == ["ceiling", "fan"]


def test_target_orders_spans_by_the_query_and_ends_with_the_product_type():
    t = build_target("black nickel knob", "Bluebird Matte Black Passage Door Knob")
    assert t.text() == ["black", "door knob"]
    t = build_target("knob satin nickle", "Acme Satin Nickel Privacy Door Knob")
    assert t.text() == ["door knob", "satin nickel"]
    assert t.explained == 3


def test_compounds_and_typos():
    assert build_target("deck over", "Summit DeckOver Resurfacer, 1 gal.").text() == ["deckover resurfacer"]
    assert build_target("toliet", "Tidewater Elongated Toilet in White").text() == ["elongated toilet"]


def test_at_most_four_spans_of_at_most_five_words():
    title = "a1 b2 c3 alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    t = build_target("alpha beta gamma delta epsilon zeta iota lambda", title)
    assert len(t.spans) <= 4 and all(len(s) <= 5 for s in t.spans)


def test_pseudo_queries_are_deterministic_and_reach_the_title():
    title = "Hearthstone 5/8 in. x 50 ft. Green Kink-Free Garden Hose"
    a = pseudo_query(title, {("hearthstone",)}, random.Random(3))
    b = pseudo_query(title, {("hearthstone",)}, random.Random(3))
    assert a == b
    assert "garden hose" in a[1]
    assert typo("garden", random.Random(1)) != "garden"
