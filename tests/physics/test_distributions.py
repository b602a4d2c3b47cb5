"""Tests of grcim.physics.distributions.

References: scipy.stats CDFs and moments, numerical integration of densities written here,
and Monte Carlo tolerances from each sample's own standard error.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import integrate, stats

from grcim.errors import ModelDomainError
from grcim.physics.distributions import (
    CONTINUOUS,
    DISTRIBUTIONS,
    fourth_moment,
    rms,
    sample,
    second_moment,
)

R3, B = math.sqrt(3.0), 1 / math.sqrt(2.0)


def t_k(nu: float) -> float:
    return math.sqrt((nu - 2) / nu)


Cdf = Callable[[np.ndarray], np.ndarray]


def mixture_cdf(f: float, s: float) -> Cdf:
    c = 1 / math.sqrt(1 - f + f * s * s)
    return lambda x: (1 - f) * stats.norm.cdf(x / c) + f * stats.norm.cdf(x / (c * s))


def loguniform_cdf(d: float) -> Cdf:
    # P(|X| <= t) = 1 + log2(t)/d on [2**-d, 1]; symmetric random sign.
    def cdf(x: np.ndarray) -> np.ndarray:
        a = np.clip(1 + np.log2(np.maximum(np.abs(x), 1e-300)) / d, 0, 1)
        return 0.5 + 0.5 * np.sign(x) * a
    return cdf


CASES = [
    ("uniform", {}, stats.uniform(loc=-R3, scale=2 * R3).cdf),
    ("gaussian", {}, stats.norm.cdf),
    ("laplace", {}, stats.laplace(scale=B).cdf),
    ("student_t", {}, lambda x: stats.t.cdf(x / t_k(3), 3)),
    ("student_t", {"nu": 7.5}, lambda x: stats.t.cdf(x / t_k(7.5), 7.5)),
    ("loguniform", {}, loguniform_cdf(8)),
    ("loguniform", {"octaves": 3}, loguniform_cdf(3)),
    ("llm_activation", {}, mixture_cdf(0.01, 20)),
    ("llm_activation", {"outlier_fraction": 0.2, "outlier_scale": 5}, mixture_cdf(0.2, 5)),
]


@pytest.mark.parametrize(("name", "params", "cdf"), CASES)
def test_samples_follow_reference_cdf(name: str, params: dict, cdf: Cdf) -> None:
    x = sample(name, (40000,), np.random.default_rng(11), **params)
    assert x.dtype == np.float64
    assert stats.kstest(x, cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("name", "params"),
    [("uniform", {}), ("gaussian", {}), ("laplace", {}), ("student_t", {"nu": 12}),
     ("loguniform", {}), ("loguniform", {"octaves": 20}), ("llm_activation", {}),
     ("llm_activation", {"outlier_fraction": 0.3, "outlier_scale": 3})],
)
def test_sample_moments_match_analytic(name: str, params: dict) -> None:
    x = sample(name, (400000,), np.random.default_rng(12), **params)
    for k, analytic in ((2, second_moment(name, **params)), (4, fourth_moment(name, **params))):
        xk = x**k
        stderr = float(np.std(xk)) / math.sqrt(x.size)
        assert abs(float(np.mean(xk)) - analytic) < 6 * stderr
    assert rms(name, **params) == pytest.approx(math.sqrt(second_moment(name, **params)))


def test_heavy_tailed_student_t_rms_by_scale_estimate() -> None:
    # nu = 3 has no finite 4th moment, so check a robust statistic: the IQR of t_3 scaled.
    x = sample("student_t", (200000,), np.random.default_rng(13))
    iqr = np.subtract(*np.percentile(x, [75, 25]))
    assert iqr == pytest.approx(2 * stats.t.ppf(0.75, 3) * t_k(3), rel=0.02)


@pytest.mark.parametrize(
    ("name", "params", "m2", "m4"),
    [
        ("uniform", {}, 1.0, stats.uniform(loc=-R3, scale=2 * R3).moment(4)),
        ("gaussian", {}, 1.0, 3.0),
        ("laplace", {}, 1.0, stats.laplace(scale=B).moment(4)),
        ("student_t", {"nu": 5}, 1.0, stats.t(5).moment(4) * t_k(5) ** 4),
        ("student_t", {"nu": 10}, 1.0, stats.t(10).moment(4) * t_k(10) ** 4),
        ("student_t", {"nu": 3}, 1.0, math.inf),
        ("student_t", {"nu": 4}, 1.0, math.inf),
    ],
)
def test_analytic_moments_against_scipy(name: str, params: dict, m2: float, m4: float) -> None:
    assert second_moment(name, **params) == pytest.approx(m2, rel=1e-12)
    assert rms(name, **params) == pytest.approx(1.0, rel=1e-12)
    assert fourth_moment(name, **params) == pytest.approx(m4, rel=1e-9)


@pytest.mark.parametrize("octaves", [0.5, 8.0, 30.0])
def test_loguniform_moments_by_integration(octaves: float) -> None:
    # |X| = 2**-u with u uniform on [0, octaves]: E|X|^k = (1/D) * integral of 2**(-k u) du.
    for k, fn in ((2, second_moment), (4, fourth_moment)):
        ref = integrate.quad(lambda u, k=k: 2.0 ** (-k * u), 0, octaves)[0] / octaves
        assert fn("loguniform", octaves=octaves) == pytest.approx(ref, rel=1e-9)
    x = sample("loguniform", (1000,), np.random.default_rng(1), octaves=octaves)
    assert np.all(np.abs(x) <= 1) and np.all(np.abs(x) >= 2.0**-octaves)


def test_llm_activation_moments_by_integration() -> None:
    f, s = 0.01, 20.0
    c = 1 / math.sqrt(1 - f + f * s * s)

    def pdf(x: float) -> float:
        return (1 - f) * stats.norm.pdf(x, scale=c) + f * stats.norm.pdf(x, scale=c * s)

    for k, fn in ((2, second_moment), (4, fourth_moment)):
        ref = 2 * integrate.quad(lambda x, k=k: x**k * pdf(x), 0, np.inf, limit=200)[0]
        assert fn("llm_activation") == pytest.approx(ref, rel=1e-7)
    # The outliers carry most of the power: 20**2 * 1% = 4x the body's 99%.
    assert 0.01 * 400 * c * c == pytest.approx(4 / 4.99)


def test_seeds_reproduce_and_shapes() -> None:
    for name in CONTINUOUS:
        a = sample(name, (3, 5), np.random.default_rng(42))
        b = sample(name, (3, 5), np.random.default_rng(42))
        c = sample(name, (3, 5), np.random.default_rng(43))
        assert a.shape == (3, 5) and np.array_equal(a, b) and not np.array_equal(a, c)
        assert sample(name, (0, 4), np.random.default_rng(0)).shape == (0, 4)
        assert sample(name, (), np.random.default_rng(0)).shape == ()


def test_registry() -> None:
    assert set(CONTINUOUS) == {"uniform", "gaussian", "laplace", "student_t", "loguniform",
                               "llm_activation"}
    assert tuple(DISTRIBUTIONS) == CONTINUOUS
    for name, dist in DISTRIBUTIONS.items():
        assert dist.name == name and dist.description and "\n" not in dist.description
    assert DISTRIBUTIONS["student_t"].params["nu"].default == 3
    assert DISTRIBUTIONS["loguniform"].params["octaves"].default == 8
    assert DISTRIBUTIONS["llm_activation"].params["outlier_fraction"].default == 0.01
    assert DISTRIBUTIONS["llm_activation"].params["outlier_scale"].default == 20


@pytest.mark.parametrize(
    ("name", "params", "item"),
    [
        ("cauchy", {}, "distribution"),
        ("Gaussian", {}, "distribution"),
        ("gaussian", {"nu": 3}, "nu"),
        ("student_t", {"octaves": 3}, "octaves"),
        ("student_t", {"nu": 2}, "nu"),
        ("student_t", {"nu": -1}, "nu"),
        ("student_t", {"nu": "3"}, "nu"),
        ("student_t", {"nu": True}, "nu"),
        ("student_t", {"nu": math.nan}, "nu"),
        ("student_t", {"nu": math.inf}, "nu"),
        ("loguniform", {"octaves": 0}, "octaves"),
        ("loguniform", {"octaves": 2000}, "octaves"),
        ("llm_activation", {"outlier_fraction": 1.5}, "outlier_fraction"),
        ("llm_activation", {"outlier_fraction": -0.1}, "outlier_fraction"),
        ("llm_activation", {"outlier_scale": 0.5}, "outlier_scale"),
    ],
)
def test_bad_names_and_params_raise(name: str, params: dict, item: str) -> None:
    for call in (lambda: sample(name, (4,), np.random.default_rng(0), **params),
                 lambda: rms(name, **params), lambda: fourth_moment(name, **params)):
        with pytest.raises(ModelDomainError) as info:
            call()
        assert info.value.item == item


def test_range_message_names_the_range() -> None:
    with pytest.raises(ModelDomainError) as info:
        sample("student_t", (2,), np.random.default_rng(0), nu=1.5)
    assert str(info.value) == "nu = 1.5: a number in (2, 1e+06]"


@pytest.mark.parametrize("shape", [(-1,), (2.0,), [3], (True,)])
def test_bad_shape_raises(shape: object) -> None:
    with pytest.raises(ModelDomainError) as info:
        sample("gaussian", shape, np.random.default_rng(0))  # type: ignore[arg-type]
    assert info.value.item == "shape"


def test_boundary_params_allowed() -> None:
    # Without outliers, or with outliers as wide as the body, the mixture is N(0, 1).
    rng = np.random.default_rng(0)
    for params in ({"outlier_fraction": 0.0}, {"outlier_fraction": 1.0, "outlier_scale": 1}):
        x = sample("llm_activation", (40000,), rng, **params)
        assert stats.kstest(x, stats.norm.cdf).pvalue > 1e-3
        assert fourth_moment("llm_activation", **params) == pytest.approx(3.0)
