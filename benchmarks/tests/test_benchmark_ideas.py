"""The benchmark's measured ideas are measured fairly: the pyramid step and the stopping rule."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ideas  # noqa: E402
import stopping_rule  # noqa: E402


@pytest.mark.parametrize("block", [2, 8, 32])
def test_a_pyramid_level_is_symmetric_and_keeps_block_means(block):
    """``P Pᵀ`` must be symmetric and positive, or L-BFGS's step could point uphill."""
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=(1, 37, 50, 3)).astype(np.float32) for _ in range(2))
    level_a, level_b = ideas.pyramid_level(a, block).numpy(), ideas.pyramid_level(b, block).numpy()
    assert np.isclose(np.sum(a * level_b), np.sum(level_a * b), rtol=1e-4)
    assert np.sum(a * level_a) > 0
    first_block = a[:, :block, :block].mean(axis=(1, 2))
    assert np.allclose(level_a[:, 0, 0], first_block, atol=1e-5)
    whole = rng.normal(size=(1, 64, 64, 3)).astype(np.float32)  # whole blocks: a projection
    level = ideas.pyramid_level(whole, block).numpy()
    assert np.allclose(ideas.pyramid_level(level, block).numpy(), level, atol=1e-5)


def test_the_stopping_rule_stops_where_the_improvement_per_second_falls_below_it():
    fast = [1000.0 * 0.98**t for t in range(100)]  # 2 % a step
    slow = [fast[-1] * 0.9999**t for t in range(1, 101)]  # 0.01 % a step
    history = fast + slow
    # 2 s a step: 1 % a second, then 0.005 %; a threshold of 0.1 % a second stops in the slow part
    step = stopping_rule.stopping_step(history, 2.0, 1e-3)
    assert 100 < step < 100 + 2 * stopping_rule.WINDOW
    assert stopping_rule.stopping_step(history, 2.0, 1e-6) is None  # never that slow
    assert stopping_rule.stopping_step(fast, 2.0, 1e-3) is None


def test_the_stopping_rule_judges_the_best_loss_not_a_worse_trial():
    history = [1000.0 * 0.98**t for t in range(60)]
    history[40] = 5000.0  # a line-search trial that went up does not undo the progress
    assert stopping_rule.stopping_step(history, 1.0, 1e-3) is None
