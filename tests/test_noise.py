"""Counter-based shocks (sim/noise.py): the words are Philox4x64-10, every shock is a pure
function of (seed, replication, actor, step), and the numbers are standard normal.

The reference below is Philox4x64-10 written out from the paper's round function (Salmon
et al. 2011) in plain Python integers; it is itself checked against NumPy's Philox.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.noise import LANES, STREAM, actor_key, seed_key, shocks, words

MASK = (1 << 64) - 1
M0, M1 = 0xD2E7470EE14C6C93, 0xCA5A826395121157
W0, W1 = 0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B
IDS = ["CHN", "RUS", "PRK", "USA", "JPN", "KOR"]


def philox_reference(counter: list[int], key: list[int]) -> list[int]:
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 64) ^ c1 ^ k0, p1 & MASK, (p0 >> 64) ^ c3 ^ k1, p0 & MASK
    return [c0, c1, c2, c3]


def test_reference_is_numpys_philox():
    key = [0x0123456789ABCDEF, 0xFEDCBA9876543210]
    gen = np.random.Philox(key=np.array(key, dtype=np.uint64), counter=[41, 5, 9, 2])
    assert gen.random_raw(4).tolist() == philox_reference([42, 5, 9, 2], key)  # NumPy: c+1


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**70),
    reps=st.lists(st.integers(0, 5000), min_size=1, max_size=6),
    block=st.integers(0, 60),
    actor=st.sampled_from([*IDS, "UKR", "a new state"]),
)
def test_words_are_philox_of_the_documented_counter(seed, reps, block, actor):
    got = words(seed, np.array(reps), range(block, block + 1), [actor])
    key = [int(k) for k in seed_key(seed)]
    for j, r in enumerate(reps):
        counter = [(block << 32) + r + 1, actor_key(actor), STREAM, 0]
        assert got[0, j, 0].tolist() == philox_reference(counter, key)


@settings(max_examples=30, deadline=None)
@given(
    ids=st.lists(
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
        min_size=2,
        max_size=8,
        unique=True,
    ),
    data=st.data(),
)
def test_adding_or_removing_an_actor_leaves_the_others_shocks_unchanged(ids, data):
    kept = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    assume(len(kept) < len(ids))  # a strict subset: some actor is removed
    reps = np.arange(3, 9)
    full = shocks(17, reps, 10, ids)
    part = shocks(17, reps, 10, kept)
    for i, a in enumerate(kept):
        np.testing.assert_array_equal(part[:, :, i], full[:, :, ids.index(a)])


@settings(max_examples=30, deadline=None)
@given(
    start=st.integers(0, 30),
    steps=st.integers(1, 17),
    reps=st.lists(st.integers(0, 40), min_size=1, max_size=12),
)
def test_a_shock_does_not_depend_on_the_block_that_drew_it(start, steps, reps):
    """Any step window and any replication list (repeats, gaps, any order) reads the same
    numbers as one large block: chunks, workers and the Mesa model's one-step draws agree."""
    whole = shocks(5, np.arange(41), 48, IDS)
    part = shocks(5, np.array(reps), steps, IDS, start=start)
    np.testing.assert_array_equal(part, whole[start : start + steps][:, reps])


def test_seeds_replications_and_actors_get_different_numbers():
    a = shocks(1, np.arange(4), 8, IDS)
    assert not np.array_equal(a, shocks(2, np.arange(4), 8, IDS))
    flat = a.transpose(1, 2, 0).reshape(-1, 8)  # one row per (replication, actor)
    assert len({row.tobytes() for row in flat}) == len(flat)


def test_shocks_are_standard_normal_and_uncorrelated():
    s = shocks(2024, np.arange(400), 4 * LANES + 2, IDS)
    flat = s.ravel()
    assert stats.kstest(flat, "norm").pvalue > 1e-3
    assert abs(flat.mean()) < 5 / np.sqrt(flat.size)
    assert abs(flat.var() - 1) < 0.02
    # the two normals of one Box–Muller pair, consecutive steps, and neighbouring actors
    for a, b in ((s[0], s[1]), (s[:-1], s[1:]), (s[..., 0], s[..., 1])):
        assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.03


def test_replication_numbers_out_of_range_are_refused():
    with pytest.raises(ValueError, match="replication numbers"):
        shocks(1, np.array([-1]), 2, IDS)


def box_muller_formula(seed: int, reps: np.ndarray, steps: int, start: int) -> np.ndarray:
    """The documented shocks, written out plainly: z = sqrt(-2 ln u1) · (cos, sin)(2π u2)
    with u = ((w >> 11) + 0.5) · 2^-53 on the words of block ⌊t/4⌋."""
    first, last = start // LANES, (start + steps + LANES - 1) // LANES
    w = words(seed, reps, range(first, last), IDS)
    u = ((w >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    z = []
    for pair in (0, 1):
        radius = np.sqrt(-2.0 * np.log(u[..., 2 * pair]))
        angle = (2.0 * np.pi) * u[..., 2 * pair + 1]
        z += [radius * np.cos(angle), radius * np.sin(angle)]
    flat = np.stack(z, 1).reshape(-1, len(reps), len(IDS))
    return np.ascontiguousarray(flat[start - first * LANES :][:steps])


@settings(max_examples=20, deadline=None)
@given(
    start=st.integers(0, 9),
    steps=st.integers(1, 13),
    reps=st.lists(st.integers(0, 60), min_size=1, max_size=9),
)
def test_shocks_are_the_box_muller_formula_on_the_words_bit_for_bit(start, steps, reps):
    """The buffered passes of `shocks` compute exactly the documented formula."""
    got = shocks(9, np.array(reps), steps, IDS, start=start)
    assert got.tobytes() == box_muller_formula(9, np.array(reps), steps, start).tobytes()


def test_shocks_drawn_in_several_cache_sized_passes_are_the_formula_bit_for_bit():
    """A chunk larger than one pass (noise.CACHE_BLOCK shocks) is drawn a few blocks at a
    time; the passes join up to the formula exactly."""
    from sim.noise import CACHE_BLOCK

    reps = np.arange(CACHE_BLOCK // len(IDS) + 7)  # more than one block per pass: one each
    got = shocks(3, reps, 22, IDS, start=2)
    assert got.tobytes() == box_muller_formula(3, reps, 22, 2).tobytes()
    reps = np.arange(50)  # several blocks per pass, the last pass shorter
    got = shocks(3, reps, 4 * (CACHE_BLOCK // (50 * len(IDS))) + 9, IDS)
    assert got.tobytes() == box_muller_formula(3, reps, len(got), 0).tobytes()
