"""A built-in that an exercise rebuilds stays out of reach however a student reaches it.

Every route is pinned on notebook 03's total variation (tf.image.total_variation); the other
checkers' own built-ins are pinned in their test files. The mechanism is one
(nst_helpers.exercises.guard), so a route closed here is closed for all.
"""

import functools
import importlib
import sys

import numpy as np
import pytest
import tensorflow as tf
from student_stubs import assert_first_failure
from tensorflow.python.ops import image_ops_impl

from nst_helpers import losses
from nst_helpers.exercises import gatys, guard

REBUILT = "tf.image.total_variation is the built-in this exercise rebuilds"

#: Bound in "an earlier cell", before the checker runs.
tv = tf.image.total_variation
traced = tf.function(tf.image.total_variation)
traced(tf.zeros([1, 4, 5, 3]))  # traced here, and re-wraps tf.image.total_variation's target
generalised = tf.function(lambda image: tf.image.total_variation(image), reduce_retracing=True)
for side in (5, 6, 7):
    generalised(tf.zeros([1, side, side + 1, 3]))  # a graph for any size: no new trace later


def by_another_name(image):
    return tf.reduce_sum(tv(image))


def through_compat_v1(image):
    return tf.compat.v1.image.total_variation(image)


def through_compat_v2(image):
    return tf.compat.v2.image.total_variation(image)


def through_the_internal_module(image):
    return image_ops_impl.total_variation(image)


def through_wrapped(image):
    return tf.image.total_variation.__wrapped__(image)


def through_a_traced_function(image):
    return traced(image)


def through_a_generalised_graph(image):
    return generalised(image)


def imported_inside(image):
    total_variation = importlib.import_module("tensorflow.python.ops.image_ops_impl")
    return getattr(total_variation, "total_" + "variation")(image)


def through_a_partial(image):
    return functools.partial(tf.image.total_variation, name="tv")(image)


def through_the_package(image):
    return losses.total_variation_loss(image)


def swallowing_errors(image):  # the checker does not raise inside the student's code
    try:
        return tf.image.total_variation(image)
    except Exception:
        return 0.0


ROUTES = [
    by_another_name,
    through_compat_v1,
    through_compat_v2,
    through_the_internal_module,
    through_wrapped,
    through_a_traced_function,
    through_a_generalised_graph,
    imported_inside,
    through_a_partial,
    swallowing_errors,
    tf.image.total_variation,
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda f: getattr(f, "__name__", "tf.image"))
def test_every_route_to_the_built_in_is_refused(route, capsys):
    assert gatys.check_total_variation(route) is False
    assert_first_failure(capsys.readouterr().out, REBUILT, "total_variation(")


def test_the_package_is_named_when_it_is_the_route(capsys):
    assert gatys.check_total_variation(through_the_package) is False
    out = capsys.readouterr().out
    assert "a call of nst_helpers.losses.total_variation_loss" in out and REBUILT in out


def test_a_right_answer_passes_next_to_the_built_in_it_does_not_call(capsys):
    def right(image):
        tf.image.total_variation  # named, not called  # noqa: B018
        down = tf.abs(image[:, 1:] - image[:, :-1])
        return tf.reduce_sum(down) + tf.reduce_sum(tf.abs(image[:, :, 1:] - image[:, :, :-1]))

    assert gatys.check_total_variation(right) is True
    assert gatys.check_total_variation(tf.function(right)) is True
    assert capsys.readouterr().out.count("✓") == 2


def test_the_checker_leaves_python_and_tensorflow_as_it_found_them():
    def profiler(frame, event, arg):
        return None

    tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
    sys.setprofile(profiler)
    try:
        tf.config.experimental.enable_tensor_float_32_execution(True)
        seen = []

        def spy(image):
            seen.append(
                (
                    tf.config.functions_run_eagerly(),
                    tf.config.experimental.tensor_float_32_execution_enabled(),
                )
            )
            raise RuntimeError("a student's bug")

        assert gatys.check_total_variation(spy) is False
        assert seen == [(True, False)]  # eager and full float32 while the student's code runs
        assert sys.getprofile() is profiler
        assert tf.config.experimental.tensor_float_32_execution_enabled()
        assert not tf.config.functions_run_eagerly()
        assert float(tf.image.total_variation(tf.zeros([4, 4, 3]))) == 0.0
    finally:
        sys.setprofile(None)
        tf.config.experimental.enable_tensor_float_32_execution(tf32)


def test_a_module_never_imported_is_never_looked_up():
    exercise = guard.Exercise(rebuilds="x", functions=("a_module_nobody_installed.f",))
    assert exercise.call(np.add, (1, 2), "np.add(1, 2)", "3") == 3
    assert "a_module_nobody_installed" not in sys.modules
