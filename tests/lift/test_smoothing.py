"""The One-Euro filter: a scalar transcription of the paper's recurrence as the oracle, and behaviour
(noise reduction, step response, speed adaptation, missing samples, shapes, argument checks)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointformer.errors import InputError
from jointformer.lift.smoothing import one_euro_filter

FPS = 50.0


def reference_one_euro(times: list[float], samples: list[float], min_cutoff: float, beta: float,
                       derivative_cutoff: float) -> list[float]:
    """Casiez et al. 2012, Algorithm 1, one scalar at a time with explicit timestamps (seconds)."""
    def alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    filtered, previous_time, previous_estimate, previous_speed = [], None, None, 0.0
    for time, sample in zip(times, samples, strict=True):
        if math.isnan(sample):
            filtered.append(math.nan)
            continue
        if previous_time is None:
            estimate = sample
        else:
            dt = time - previous_time
            speed = (sample - previous_estimate) / dt
            previous_speed = previous_speed + alpha(derivative_cutoff, dt) * (speed - previous_speed)
            cutoff = min_cutoff + beta * abs(previous_speed)
            estimate = previous_estimate + alpha(cutoff, dt) * (sample - previous_estimate)
        filtered.append(estimate)
        previous_time, previous_estimate = time, estimate
    return filtered


def test_matches_the_papers_recurrence_elementwise_with_gaps() -> None:
    rng = np.random.default_rng(0)
    values = np.cumsum(rng.normal(0.0, 3.0, size=(40, 3, 2)), axis=0)
    values[5:9, 1, 0] = np.nan  # a gap
    values[:4, 2, 1] = np.nan  # an element that starts late
    values[-1, 0, 0] = np.nan
    parameters = {"min_cutoff": 0.7, "beta": 0.05, "derivative_cutoff": 1.3}
    out = one_euro_filter(values, FPS, **parameters)
    times = [index / FPS for index in range(len(values))]
    for joint in range(3):
        for axis in range(2):
            expected = reference_one_euro(times, values[:, joint, axis].tolist(), **parameters)
            np.testing.assert_allclose(out[:, joint, axis], expected, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_constant_signal_is_unchanged() -> None:
    values = np.full((30, 17, 2), 123.25)
    np.testing.assert_allclose(one_euro_filter(values, FPS, beta=0.5), values, rtol=0, atol=1e-12)


def test_noise_on_a_constant_is_reduced() -> None:
    rng = np.random.default_rng(1)
    noisy = 100.0 + rng.normal(0.0, 2.0, size=(500, 4))
    out = one_euro_filter(noisy, FPS, min_cutoff=1.0, beta=0.0)
    settled = out[50:]  # after the start-up transient
    assert settled.std(axis=0).max() < 0.4 * noisy[50:].std(axis=0).min()
    assert abs(settled.mean() - 100.0) < 0.5


def test_step_is_followed_within_a_bounded_lag() -> None:
    values = np.zeros(200)
    values[100:] = 10.0
    out = one_euro_filter(values, FPS, min_cutoff=1.0)
    assert np.all(out[:100] == 0.0)
    response = out[100:]
    assert np.all(np.diff(response) >= 0) and np.all(response <= 10.0)  # first order: no overshoot
    assert response[0] > 0.0
    assert response[5] < 9.0  # it is smoothing, not copying
    assert np.all(np.abs(response[60:] - 10.0) < 0.1)  # within 1 % after 60 frames (1.2 s at 50 fps)


def test_large_beta_tracks_a_fast_ramp_with_less_lag() -> None:
    time = np.arange(200) / FPS
    ramp = 400.0 * time  # 400 units per second
    lag_plain = np.abs(one_euro_filter(ramp, FPS, min_cutoff=1.0, beta=0.0) - ramp)[100:].mean()
    lag_adaptive = np.abs(one_euro_filter(ramp, FPS, min_cutoff=1.0, beta=0.1) - ramp)[100:].mean()
    assert lag_plain > 10.0
    assert lag_adaptive < 0.25 * lag_plain


def test_shape_and_dtype() -> None:
    values = np.random.default_rng(2).normal(size=(12, 17, 2)).astype(np.float32)
    out = one_euro_filter(values, 30.0)
    assert out.shape == values.shape and out.dtype == np.float32
    integers = np.arange(24).reshape(6, 2, 2)
    assert one_euro_filter(integers, 30.0).dtype == np.float64
    assert one_euro_filter(np.arange(8.0), 30.0).shape == (8,)


def test_elements_are_filtered_independently() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(25, 3))
    together = one_euro_filter(values, FPS, beta=0.2)
    for column in range(3):
        alone = one_euro_filter(values[:, column], FPS, beta=0.2)
        np.testing.assert_array_equal(together[:, column], alone)


def test_missing_samples_pass_through_and_do_not_poison_later_frames() -> None:
    rng = np.random.default_rng(4)
    values = 50.0 + rng.normal(0.0, 1.0, size=(60, 2))
    values[10:15, 0] = np.nan
    values[0, 1] = np.nan
    out = one_euro_filter(values, FPS, beta=0.1)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(values))
    assert out[1, 1] == values[1, 1]  # an element's first present sample passes through
    clean = one_euro_filter(np.where(np.isnan(values), 50.0, values), FPS, beta=0.1)
    np.testing.assert_array_equal(out[:10, 0], clean[:10, 0])  # the past is unaffected
    constant = np.full(40, 7.0)
    constant[5:20] = np.nan
    assert np.all(one_euro_filter(constant, FPS)[20:] == 7.0)  # a gap is not read as motion


def test_a_single_frame_is_returned_unchanged() -> None:
    values = np.array([[[1.0, np.nan], [3.0, 4.0]]])
    out = one_euro_filter(values, FPS, beta=1.0)
    np.testing.assert_array_equal(out, values)
    assert out is not values


@pytest.mark.parametrize(("arguments", "message"), [
    ({"fps": 0.0}, "fps"),
    ({"fps": float("nan")}, "fps"),
    ({"min_cutoff": -1.0}, "min_cutoff"),
    ({"beta": -0.1}, "beta"),
    ({"derivative_cutoff": 0.0}, "derivative_cutoff"),
    ({"fps": "fast"}, "fps"),
])
def test_bad_parameters_are_rejected(arguments: dict, message: str) -> None:
    parameters = {"fps": FPS, **arguments}
    with pytest.raises(InputError, match=message):
        one_euro_filter(np.zeros((5, 2)), **parameters)


def test_bad_values_are_rejected() -> None:
    with pytest.raises(InputError, match="infinite"):
        one_euro_filter(np.array([0.0, np.inf, 1.0]), FPS)
    with pytest.raises(InputError, match="numeric"):
        one_euro_filter(np.array(["a", "b"]), FPS)
    with pytest.raises(InputError, match="numeric"):
        one_euro_filter(np.float64(3.0), FPS)
