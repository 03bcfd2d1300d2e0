"""Temporal smoothing of keypoint tracks: the One-Euro filter (Casiez, Roussel and Vogel, CHI 2012).

The 1€ filter is a first-order low-pass filter whose cutoff frequency rises with the signal's speed: at
rest a low cutoff removes jitter, in fast motion a higher cutoff reduces lag. Per sample i, sampled
``dt`` seconds after the element's previous sample (``dt = 1 / fps`` for consecutive frames):

- ``alpha(fc) = 1 / (1 + tau / dt)`` with ``tau = 1 / (2 pi fc)``: the smoothing factor of a first-order
  low-pass with cutoff ``fc`` (Hz);
- raw speed ``d_i = (x_i - xhat_{i-1}) / dt`` (the paper's choice: against the previous *filtered* value),
  smoothed ``dhat_i = dhat_{i-1} + alpha(derivative_cutoff) (d_i - dhat_{i-1})``, with ``dhat_0 = 0``;
- cutoff ``fc_i = min_cutoff + beta |dhat_i|``;
- output ``xhat_i = xhat_{i-1} + alpha(fc_i) (x_i - xhat_{i-1})``, with ``xhat_0 = x_0``.

Shapes: ``T`` samples along the first axis; every other element (joint, coordinate, ...) is filtered on
its own. Missing samples (NaN) stay NaN in the output and leave the element's filter state untouched; the
next present sample is filtered with ``dt`` = the time since the element's last present sample, so a gap
neither poisons later frames nor counts as zero motion (after a long gap the filter nearly restarts at the
new sample). An element's first present sample passes through unchanged.

Tuning, as the paper recommends: with ``beta = 0`` lower ``min_cutoff`` until the jitter of a still pose
is acceptable, then raise ``beta`` until the lag in fast motion is acceptable. ``beta`` is in 1/units of
the values: with pixel keypoints, ``beta = 0.01`` per pixel raises the cutoff by 1 Hz for every 100 pixels
per second of (smoothed) speed.
"""

from __future__ import annotations

import math

import numpy as np

from jointformer.errors import InputError


def _smoothing_factor(cutoff: np.ndarray | float, dt: np.ndarray) -> np.ndarray:
    """alpha = 1 / (1 + tau / dt), tau = 1 / (2 pi cutoff): cutoff in Hz, dt in seconds; in (0, 1)."""
    rate = 2.0 * math.pi * cutoff * dt
    return rate / (rate + 1.0)


def _check_rate(value: float, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name}: expected a finite number {bound}, got {value!r}")
    return value


def one_euro_filter(values: np.ndarray, fps: float, min_cutoff: float = 1.0, beta: float = 0.0,
                    derivative_cutoff: float = 1.0) -> np.ndarray:
    """Smooth ``values`` along its first axis (time) with the One-Euro filter, each element on its own.

    values: (T, ...) in any units (pixels, metres, ...), rows evenly spaced in time at ``fps``; NaN marks a
        missing sample. fps: samples per second (Hz). min_cutoff: the cutoff at rest, in Hz (lower: smoother
        and more lag). beta: how fast the cutoff rises with speed, in 1/units of ``values`` (Hz of cutoff per
        unit/second of speed); 0 makes a plain low-pass. derivative_cutoff: the cutoff of the speed
        estimate, in Hz.
    Returns an array of the same shape: the input's dtype for floating input, float64 otherwise (computed in
    float64); NaN exactly where the input is NaN. T <= 1 returns a copy of the input. Raises InputError (a
    ValueError) for non-numeric or infinite values and for parameters out of range.
    """
    fps = _check_rate(fps, "fps")
    min_cutoff = _check_rate(min_cutoff, "min_cutoff")
    beta = _check_rate(beta, "beta", allow_zero=True)
    derivative_cutoff = _check_rate(derivative_cutoff, "derivative_cutoff")
    array = np.asarray(values)
    if array.dtype.kind not in "iuf" or array.ndim == 0:
        raise InputError(f"values: expected a numeric array (T, ...) with time first, got dtype "
                         f"{array.dtype} and shape {array.shape}")
    if np.isinf(array).any():
        raise InputError("values: hold infinite entries; mark missing samples with NaN")
    out_dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
    if array.shape[0] <= 1:
        return array.astype(out_dtype, copy=True)
    samples = array.reshape(array.shape[0], -1).astype(np.float64)  # (T, E)
    smoothed = samples.copy()  # missing samples stay NaN, first samples pass through
    estimate = samples[0].copy()  # (E,) last filtered value; NaN until the element's first sample
    speed = np.zeros_like(estimate)  # (E,) smoothed speed, units per second
    last_seen = np.zeros_like(estimate)  # (E,) index of the element's last present sample
    for index in range(1, samples.shape[0]):
        sample = samples[index]
        present = ~np.isnan(sample)
        starting = present & np.isnan(estimate)
        estimate[starting] = sample[starting]
        last_seen[starting] = index
        step = present & ~starting
        if not step.any():
            continue
        dt = (index - last_seen[step]) / fps
        raw_speed = (sample[step] - estimate[step]) / dt
        speed[step] += _smoothing_factor(derivative_cutoff, dt) * (raw_speed - speed[step])
        cutoff = min_cutoff + beta * np.abs(speed[step])
        estimate[step] += _smoothing_factor(cutoff, dt) * (sample[step] - estimate[step])
        smoothed[index, step] = estimate[step]
        last_seen[step] = index
    return smoothed.reshape(array.shape).astype(out_dtype, copy=False)
