"""Data sets: seeded generators, logic gates, digits, one_hot, train_test_split, standardize."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib import datasets as D

GENERATORS = {"xor": (D.xor, 2), "blobs": (D.blobs, 2), "circles": (D.circles, 2), "moons": (D.moons, 2),
              "spirals": (D.spirals, 3)}


# ---------------------------------------------------------------------------------------------
# 2-D generators
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(GENERATORS))
def test_generator_shapes_types_and_classes(name):
    fn, k = GENERATORS[name]
    X, y = fn(n=90, seed=0)
    assert X.shape == (90, 2) and X.dtype == np.float64
    assert y.shape == (90,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == set(range(k))
    assert np.isfinite(X).all()
    assert np.abs(X).max() < 10


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generator_is_seeded(name):
    fn, _ = GENERATORS[name]
    X1, y1 = fn(n=50, seed=3)
    X2, y2 = fn(n=50, seed=3)
    X3, _ = fn(n=50, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_load_by_name_matches_the_generator(name):
    fn, _ = GENERATORS[name]
    X, y = D.load(name, n=40, seed=2)
    X2, y2 = fn(n=40, seed=2)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = D.load(name, n=40, seed=2, noise=0.0)
    np.testing.assert_array_equal(X3, fn(n=40, seed=2, noise=0.0)[0])


@pytest.mark.parametrize("name", ["blobs", "spirals"])
def test_number_of_classes(name):
    fn, _ = GENERATORS[name]
    for k in (2, 4, 5):
        _, y = fn(n=100, classes=k, seed=0)
        assert set(np.unique(y)) == set(range(k))
        _, y2 = D.load(name, n=100, classes=k)
        assert set(np.unique(y2)) == set(range(k))


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = D.xor(300, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.abs(X).max() <= 1.0
    assert 0.35 < y.mean() < 0.65


def test_xor_noise_moves_points_but_not_labels():
    X0, y0 = D.xor(100, noise=0.0, seed=5)
    X1, y1 = D.xor(100, noise=0.3, seed=5)
    np.testing.assert_array_equal(y0, y1)
    assert np.std(X1 - X0) == pytest.approx(0.3, rel=0.2)


def test_circles_radii_without_noise():
    X, y = D.circles(100, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(r[y == 1], 0.3, rtol=1e-12)


def test_blobs_are_centred_on_a_circle_of_radius_two():
    X, y = D.blobs(400, classes=4, noise=0.1, seed=0)
    for c in range(4):
        assert np.hypot(*X[y == c].mean(axis=0)) == pytest.approx(2.0, rel=0.05)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = D.moons(100, noise=0.0, seed=0)
    P = X + [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(*P[y == 0].T), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(P[y == 1, 0] - 1, P[y == 1, 1] - 0.5), 1.0, rtol=1e-12)


def test_spirals_radius_at_most_one_without_noise():
    X, _ = D.spirals(300, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1.0 and r.min() >= 0.05


@pytest.mark.parametrize("name", list(GENERATORS))
@pytest.mark.parametrize("n", [0, -5, 2.5, True, "10", None])
def test_bad_n_rejected(name, n):
    fn, _ = GENERATORS[name]
    with pytest.raises(ValueError, match=r"n must be a whole number >= 1"):
        fn(n=n)


@pytest.mark.parametrize("name", list(GENERATORS))
@pytest.mark.parametrize("noise", [-0.1, np.nan, np.inf, "0.1", None])
def test_bad_noise_rejected(name, noise):
    fn, _ = GENERATORS[name]
    with pytest.raises(ValueError, match=r"noise must be a finite number >= 0"):
        fn(n=10, noise=noise)


@pytest.mark.parametrize("classes", [1, 0, 2.5])
def test_bad_classes_rejected(classes):
    with pytest.raises(ValueError, match=r"classes must be a whole number >= 2"):
        D.blobs(10, classes=classes)
    with pytest.raises(ValueError, match=r"classes must be a whole number >= 2"):
        D.spirals(10, classes=classes)


def test_unknown_data_set_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown data set 'swirl'") as e:
        D.load("swirl")
    for name in GENERATORS:
        assert repr(name) in str(e.value)


def test_datasets_reachable_from_the_package():
    assert bl.datasets is D


# ---------------------------------------------------------------------------------------------
# logic gates
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gate, op", [("and", lambda a, b: a and b), ("or", lambda a, b: a or b),
                                      ("xor", lambda a, b: a != b), ("nand", lambda a, b: not (a and b))])
def test_logic_gate_truth_tables(gate, op):
    X, y = D.logic_gate(gate)
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert {tuple(r) for r in X} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(y, [int(op(bool(a), bool(b))) for a, b in X])


def test_logic_gate_known_rows():
    X, y = D.logic_gate("xor")
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    np.testing.assert_array_equal(D.logic_gate()[1], [0, 0, 0, 1])   # default: and


def test_unknown_gate_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown gate 'nor'") as e:
        D.logic_gate("nor")
    assert all(repr(g) in str(e.value) for g in ("and", "or", "xor", "nand"))


# ---------------------------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------------------------
def test_digits():
    X, y = D.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == set(range(10))
    assert X.min() == 0 and X.max() == 16
    assert np.all(X == np.round(X))
    counts = np.bincount(y)
    assert counts.min() >= 170 and counts.max() <= 190
    # not a constant or shuffled-garbage image set: the mean 0 and mean 1 differ clearly
    assert np.abs(X[y == 0].mean(axis=0) - X[y == 1].mean(axis=0)).max() > 5


# ---------------------------------------------------------------------------------------------
# one_hot, train_test_split, standardize
# ---------------------------------------------------------------------------------------------
def test_one_hot():
    Y = D.one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    Y5 = D.one_hot([0, 1], classes=5)
    assert Y5.shape == (2, 5) and Y5.dtype == np.float64
    np.testing.assert_array_equal(Y5.argmax(axis=1), [0, 1])
    np.testing.assert_array_equal(Y5.sum(axis=1), 1)


@pytest.mark.parametrize("y, classes, pattern", [
    (np.array([0.0, 1.0]), None, "integer labels"),
    (np.array([[0, 1]]), None, "1-D"),
    (np.array([0, 3]), 3, r"0\.\.2"),
    (np.array([-1, 1]), None, r"labels must lie"),
    (np.array([0, 1]), 0, "classes"),
])
def test_one_hot_bad_input(y, classes, pattern):
    with pytest.raises(ValueError, match=pattern):
        D.one_hot(y, classes)


def test_train_test_split():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = D.train_test_split(X, y, test_fraction=0.25, seed=1)
    assert X_tr.shape == (15, 2) and X_te.shape == (5, 2) and y_tr.shape == (15,) and y_te.shape == (5,)
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)            # rows stay paired with labels
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    assert sorted(np.concatenate([y_tr, y_te])) == list(range(20))   # a partition
    again = D.train_test_split(X, y, test_fraction=0.25, seed=1)
    np.testing.assert_array_equal(again[3], y_te)
    other = D.train_test_split(X, y, test_fraction=0.25, seed=2)
    assert not np.array_equal(other[3], y_te)
    assert not np.array_equal(np.sort(y_te), np.arange(15, 20))        # shuffled, not the tail


@pytest.mark.parametrize("n, fraction", [(2, 0.75), (3, 0.9), (2, 0.1), (10, 0.99), (10, 0.01)])
def test_train_test_split_keeps_both_parts_non_empty(n, fraction):
    X_tr, X_te, y_tr, y_te = D.train_test_split(np.zeros((n, 2)), np.arange(n), test_fraction=fraction)
    assert len(y_tr) >= 1 and len(y_te) >= 1 and len(y_tr) + len(y_te) == n


def test_train_test_split_bad_input():
    with pytest.raises(ValueError, match=r"X has 3 rows but y has 4"):
        D.train_test_split(np.zeros((3, 2)), np.zeros(4))
    for f in (0, 1, -0.5, 1.5, np.nan):
        with pytest.raises(ValueError, match="test_fraction"):
            D.train_test_split(np.zeros((4, 2)), np.zeros(4), test_fraction=f)
    with pytest.raises(ValueError, match="at least 2 rows"):
        D.train_test_split(np.zeros((1, 2)), np.zeros(1))


def test_standardize(rng):
    X_train = rng.normal(5.0, 3.0, size=(50, 3))
    X_train[:, 2] = 7.0                                 # a constant column
    X_test = rng.normal(5.0, 3.0, size=(10, 3))
    Z_train, Z_test = D.standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train[:, :2].std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(Z_train[:, 2], 0.0)
    mu, sd = X_train[:, :2].mean(axis=0), X_train[:, :2].std(axis=0)
    np.testing.assert_allclose(Z_test[:, :2], (X_test[:, :2] - mu) / sd, rtol=1e-12)   # train statistics
    np.testing.assert_allclose(Z_test[:, 2], X_test[:, 2] - 7.0, rtol=1e-12)
    only = D.standardize(X_train)
    assert isinstance(only, np.ndarray)
    np.testing.assert_array_equal(only, Z_train)
    assert len(D.standardize(X_train, X_test, X_test)) == 3
