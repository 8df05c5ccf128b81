"""The options of a Gatys run: named, defaulted and checked once, for every caller."""

import inspect
from dataclasses import fields

import pytest

from nst_helpers.errors import NSTError
from nst_helpers.options import StylizeOptions


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"max_dim": 8}, "max_dim"),
        ({"steps": 0}, "steps"),
        ({"style_weight": -1.0}, "style_weight"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"init": "photo"}, "init"),
        ({"tolerance": 2.0}, "tolerance"),
        ({"mixed_precision": True, "optimizer": "adam"}, "'lbfgs' only"),
        ({"preserve_color": "yes"}, "preserve_color"),
        ({"style_scale": 10.0}, "style_scale"),
    ],
)
def test_a_bad_option_is_one_error_naming_it(given, message):
    with pytest.raises(NSTError, match=message):
        StylizeOptions(**given)


def test_an_unknown_option_names_itself_and_the_known_ones():
    with pytest.raises(NSTError, match="no option stpes; its options are max_dim, steps"):
        StylizeOptions.from_keywords(stpes=10)


def test_resolved_fills_only_what_was_not_given():
    options = StylizeOptions(steps=7).resolved(content_weight=1.0, style_weight=2.0)
    assert options.steps == 7 and options.max_dim in (256, 512)
    assert (options.content_weight, options.style_weight) == (1.0, 2.0)
    assert StylizeOptions(style_weight=5.0).resolved(style_weight=2.0).style_weight == 5.0


def test_stylize_shows_every_option_in_its_signature():
    from nst_helpers.gatys import stylize

    shown = inspect.signature(stylize).parameters
    for option in fields(StylizeOptions):
        assert shown[option.name].default == option.default
    with pytest.raises(NSTError, match="no option stpes"):
        stylize("cat", "starry_night", stpes=3)
