# SPDX-License-Identifier: GPL-2.0
"""Short-Time Objective Intelligibility (STOI), written from its
description in C. H. Taal, R. C. Hendriks, R. Heusdens, J. Jensen, "An
Algorithm for Intelligibility Prediction of Time-Frequency Weighted Noisy
Speech", IEEE Trans. Audio, Speech, Lang. Process. 19(7), 2011.

STOI compares the temporal envelopes of a clean and a processed signal in
15 one-third octave bands over 384 ms segments. It predicts how many words
a listener understands (range about 0..1, higher is better); it is an
intelligibility measure, not a quality (MOS) one: a clean but band-limited
voice scores high, and it says nothing about delay.

Steps, as in Section II of the paper:
  1. both signals resampled to 10 kHz;
  2. frames of 256 samples (25.6 ms), Hann window, 50 % overlap; frames in
     which the clean signal is more than 40 dB below its loudest frame are
     removed from both (silence carries no intelligibility);
  3. a 512-point DFT per frame, grouped into 15 one-third octave bands
     (lowest centre 150 Hz): band magnitude = sqrt(sum |X(k)|^2);
  4. for each band and each run of N = 30 frames (384 ms), the processed
     envelope is scaled to the clean one's energy and clipped to at most
     (1 + 10^(-beta/20)) times it, beta = -15 dB (the lower bound of the
     signal-to-distortion ratio), so that one severe bin cannot dominate;
  5. the correlation coefficient of the clean and the clipped processed
     envelope; STOI is the mean over all bands and segments.

Choice made where the paper leaves it open: a segment whose processed
envelope is all zeros (received silence, a gap) has no defined correlation
and counts 0, i.e. nothing understood.
"""

import numpy as np
from scipy.signal import resample_poly

FS = 10000          # the analysis rate of the paper
FRAME = 256         # samples per frame (25.6 ms at 10 kHz)
NFFT = 512          # zero-padded DFT size
BANDS = 15          # one-third octave bands
BAND_LOW = 150.0    # centre of the lowest band, Hz
SEGMENT = 30        # frames per short-time segment (384 ms)
BETA = -15.0        # lower SDR bound, dB
DYN_RANGE = 40.0    # frames this far below the loudest clean frame are silence


def resample(x, fs):
    """x at fs Hz, resampled to the 10 kHz STOI works at."""
    if fs == FS:
        return np.asarray(x, dtype=float)
    g = np.gcd(int(fs), FS)
    return resample_poly(np.asarray(x, dtype=float), FS // g, int(fs) // g)


def _frames(x):
    """Hann-windowed frames, 50 % overlap, one per row."""
    hop = FRAME // 2
    n = 1 + max(0, (len(x) - FRAME) // hop)
    win = np.hanning(FRAME + 2)[1:-1]   # no zero end points
    idx = np.arange(FRAME)[None, :] + hop * np.arange(n)[:, None]
    if len(x) < FRAME:
        x = np.pad(x, (0, FRAME - len(x)))
    return x[idx] * win


def _overlap_add(frames):
    hop = FRAME // 2
    out = np.zeros(hop * (len(frames) - 1) + FRAME) if len(frames) else np.zeros(0)
    for i, f in enumerate(frames):
        out[i * hop:i * hop + FRAME] += f
    return out


def remove_silence(x, y):
    """Drops the frames in which the clean signal x is more than DYN_RANGE
    dB below its loudest frame, from both x and y, and rebuilds both by
    overlap-add."""
    fx, fy = _frames(x), _frames(y)
    energy = 20 * np.log10(np.linalg.norm(fx, axis=1) + np.finfo(float).eps)
    keep = energy > energy.max() - DYN_RANGE
    return _overlap_add(fx[keep]), _overlap_add(fy[keep])


def third_octave_matrix():
    """(BANDS x NFFT/2+1) 0/1 matrix: which DFT bin is in which band.
    Band edges at centre * 2^(-+1/6), each edge at the nearest bin."""
    freqs = np.arange(NFFT // 2 + 1) * FS / NFFT
    centres = BAND_LOW * 2.0 ** (np.arange(BANDS) / 3.0)
    m = np.zeros((BANDS, len(freqs)))
    for j, fc in enumerate(centres):
        lo = np.argmin(np.abs(freqs - fc * 2 ** (-1 / 6)))
        hi = np.argmin(np.abs(freqs - fc * 2 ** (1 / 6)))
        m[j, lo:hi] = 1
    return m


def band_envelopes(x):
    """(BANDS x frames) one-third octave band magnitudes of x."""
    spec = np.fft.rfft(_frames(x), n=NFFT, axis=1)
    return np.sqrt(third_octave_matrix() @ (np.abs(spec) ** 2).T)


def stoi(clean, processed, fs):
    """STOI of processed against clean, both mono at fs Hz, same length
    and already aligned (align.py). Returns a float, about 0..1."""
    x, y = resample(clean, fs), resample(processed, fs)
    n = min(len(x), len(y))
    x, y = remove_silence(x[:n], y[:n])
    X, Y = band_envelopes(x), band_envelopes(y)
    if X.shape[1] < SEGMENT:
        raise ValueError("STOI needs at least %d frames of speech (%.0f ms)"
                         % (SEGMENT, SEGMENT * FRAME / 2 / FS * 1000))
    clip = 1 + 10 ** (-BETA / 20)
    eps = np.finfo(float).eps
    scores = []
    for m in range(SEGMENT, X.shape[1] + 1):
        xs, ys = X[:, m - SEGMENT:m], Y[:, m - SEGMENT:m]
        for j in range(BANDS):
            xv, yv = xs[j], ys[j]
            ny = np.linalg.norm(yv)
            if ny == 0:
                scores.append(0.0)      # received nothing: nothing understood
                continue
            yc = np.minimum(yv * np.linalg.norm(xv) / ny, clip * xv)
            xc, yc = xv - xv.mean(), yc - yc.mean()
            denom = np.linalg.norm(xc) * np.linalg.norm(yc)
            scores.append(float(xc @ yc / denom) if denom > eps else 0.0)
    return float(np.mean(scores))
