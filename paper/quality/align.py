# SPDX-License-Identifier: GPL-2.0
"""Puts a received stream on the reference's timeline.

A receiver without a buffer loses whatever did not arrive; the recording
it leaves is a list of decoded frames, each with its presentation time
(PTS, from the RTP timestamp). Comparing it with the reference takes two
steps:

  1. place_frames: each decoded frame at its PTS on the received stream's
     own timeline; time no frame covers is silence (zeros). A lost packet
     thus becomes a gap of its duration, not a shift of everything after
     it, which is what a player with no buffer makes of it too.
  2. align: the one offset between that timeline and the reference's (the
     stream starts at a random RTP timestamp, the client joins late, the
     encoder adds priming samples) is the lag that maximises the
     cross-correlation of the two waveforms; the received signal is
     shifted by it and cut or padded with silence to the reference's
     length. Parts of the reference never received stay silent.

Only one offset is searched: a stream whose clock drifts or that skips
(a server that restarts the file after a reconnect) is not made to fit;
its misplaced parts score as the distortion they are. And a frame that
arrived late still goes to its PTS, as if it had been played in time: a
player without a buffer would have skipped it. Which frames were late is
for the caller to decide (from arrival times) and drop before placing.
"""

import numpy as np
from scipy.signal import fftconvolve, resample_poly


# PTS that come from RTP timestamps are off by a sample now and then
# (ffmpeg rounds them through its own time base: seen 1023/1025-sample
# steps between 1024-sample frames). A one-sample hole of zeros is a click
# that fwSNRseg punishes; such a step is not a loss.
SNAP = 2    # samples


def place_frames(frames, fs, start=None):
    """frames: iterable of (pts seconds, 1-D sample array at fs Hz).
    Returns (signal, start): the frames laid out from `start` (default:
    the earliest PTS), zeros where none is. A frame whose PTS lands within
    SNAP samples of where the previous one (in the order given) ended is
    placed right after it. Where frames overlap (a duplicate) the
    earlier-listed one is kept."""
    frames = [(float(t), np.asarray(s, dtype=float)) for t, s in frames]
    if not frames:
        return np.zeros(0), start or 0.0
    if start is None:
        start = min(t for t, _ in frames)
    end = max(int(round((t - start) * fs)) + len(s) for t, s in frames)
    out = np.zeros(max(end + SNAP, 0))
    filled = np.zeros(len(out), dtype=bool)
    prev_end = None
    for t, s in frames:
        i = int(round((t - start) * fs))
        if prev_end is not None and 0 < abs(i - prev_end) <= SNAP:
            i = prev_end
        prev_end = i + len(s)
        if i < 0:                       # before the chosen start: cut
            s, i = s[-i:], 0
        seg = slice(i, i + len(s))
        free = ~filled[seg]
        out[seg][free] = s[free]
        filled[seg] = True
    return out, start


def to_rate(x, fs_from, fs_to):
    """x resampled from fs_from to fs_to Hz (polyphase, exact ratio)."""
    if fs_from == fs_to:
        return np.asarray(x, dtype=float)
    g = np.gcd(int(fs_from), int(fs_to))
    return resample_poly(np.asarray(x, dtype=float), int(fs_to) // g, int(fs_from) // g)


def best_lag(ref, rec, max_lag=None):
    """The lag L (samples) for which rec[n + L] best matches ref[n]: the
    peak of their cross-correlation, within +-max_lag if given."""
    if not len(ref) or not len(rec) or not np.any(rec) or not np.any(ref):
        return 0
    # c[k] = sum_n rec[n] ref[n - k + len(ref) - 1]; lag = k - (len(ref) - 1)
    c = fftconvolve(rec, ref[::-1], mode="full")
    lags = np.arange(len(c)) - (len(ref) - 1)
    if max_lag is not None:
        keep = np.abs(lags) <= max_lag
        c, lags = c[keep], lags[keep]
    return int(lags[np.argmax(c)])


def align(ref, rec, max_lag=None):
    """(aligned, lag): rec shifted so that it lines up with ref, cut or
    padded with zeros to len(ref)."""
    ref = np.asarray(ref, dtype=float)
    rec = np.asarray(rec, dtype=float)
    lag = best_lag(ref, rec, max_lag)
    out = np.zeros(len(ref))
    # out[n] = rec[n + lag] where that index exists
    lo, hi = max(0, -lag), min(len(ref), len(rec) - lag)
    if hi > lo:
        out[lo:hi] = rec[lo + lag:hi + lag]
    return out, lag


def missing_fraction(ref, aligned, fs, frame_s=0.02, floor_db=-40.0):
    """Share of the reference's speech that never arrived: the share of
    the reference's 1 ms blocks that carry sound (in 20 ms frames within
    floor_db of its loudest, and not themselves near-silent: espeak-ng
    puts digital silence between words) in which the aligned received
    signal is exactly zero. Decoded speech has isolated zero samples,
    never a whole millisecond of them: such a block is a gap."""
    n = int(fs * frame_s)
    b = max(1, int(fs * 0.001))
    n -= n % b
    k = min(len(ref), len(aligned)) // n
    if k == 0:
        return 0.0
    r = np.asarray(ref[:k * n], dtype=float).reshape(k, n // b, b)
    a = np.asarray(aligned[:k * n], dtype=float).reshape(k, n // b, b)
    frame_e = 10 * np.log10(np.sum(r * r, axis=(1, 2)) / n + 1e-20)
    block_e = 10 * np.log10(np.sum(r * r, axis=2) / b + 1e-20)
    sound = ((frame_e > frame_e.max() + floor_db)[:, None] &
             (block_e > frame_e.max() + floor_db - 20))
    gaps = ~np.any(a != 0, axis=2)
    return float(np.sum(gaps & sound) / max(1, np.sum(sound)))
