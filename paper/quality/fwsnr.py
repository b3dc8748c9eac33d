# SPDX-License-Identifier: GPL-2.0
"""Frequency-weighted segmental SNR (fwSNRseg), the quality-oriented
measure beside STOI.

Why this one: Hu and Loizou ("Evaluation of objective quality measures
for speech enhancement", IEEE TASLP 16(1), 2008) compared the open,
simple measures against listeners' ratings of overall quality and found
fwSNRseg among the best of them (with PESQ, which is not open); it needs
no trained model. Written from their description:

  per frame m (30 ms, Hann window, 75 % overlap) and critical band j:
      W(j,m)   = |X(j,m)| ** 0.2          (the clean band magnitude)
      SNR(j,m) = 10 log10(|X|^2 / (|X| - |Y|)^2), clipped to -10..35 dB
      fwSNR(m) = sum_j W SNR / sum_j W
  fwSNRseg = mean over frames, in dB: 35 is identical, lower is worse.

Choices made here: both signals at 16 kHz (wideband: the 8 kbit/s encoding
is 16 kHz); bands one Bark wide from 0 to 8 kHz (Traunmueller's
Hz-to-Bark formula), band magnitude = sqrt of the band's power; frames
more than 40 dB below the reference's loudest are left out, as in STOI
(a pause has no quality to judge, and its tiny weights would still count
one frame each).

What it says: how far the received spectrum is from the reference's,
band by band, weighted toward where the speech is. A frame received as
silence scores exactly 0 dB (|X - 0| = |X|), a noisy or misplaced frame
can score below that: fwSNRseg ranks a gap above loud garbage, which
listeners mostly do too, but it is no MOS.
"""

import numpy as np

from align import to_rate

FS = 16000
FRAME = int(0.030 * FS)     # 30 ms
HOP = FRAME // 4            # 75 % overlap
NFFT = 512
GAMMA = 0.2
SNR_MIN, SNR_MAX = -10.0, 35.0
DYN_RANGE = 40.0


def _bark(f):
    """Traunmueller (1990): Hz -> Bark."""
    return 26.81 * f / (1960.0 + f) - 0.53


def band_matrix():
    """(bands x bins) 0/1: the DFT bins of each one-Bark band up to 8 kHz."""
    freqs = np.arange(NFFT // 2 + 1) * FS / NFFT
    z = _bark(np.maximum(freqs, 1.0))
    idx = np.floor(z - z[1]).astype(int)        # band 0 starts at the first bin
    idx[0] = 0
    m = np.zeros((idx.max() + 1, len(freqs)))
    m[idx, np.arange(len(freqs))] = 1
    return m[m.sum(axis=1) > 0]


def _spectra(x):
    n = 1 + max(0, (len(x) - FRAME) // HOP)
    if len(x) < FRAME:
        x = np.pad(x, (0, FRAME - len(x)))
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]
    frames = x[idx] * np.hanning(FRAME)
    return frames, np.abs(np.fft.rfft(frames, n=NFFT, axis=1)) ** 2


def fwsnrseg(clean, processed, fs):
    """fwSNRseg (dB, -10..35) of processed against clean, both mono at fs
    Hz, same length and already aligned (align.py)."""
    x, y = to_rate(clean, fs, FS), to_rate(processed, fs, FS)
    n = min(len(x), len(y))
    fx, px = _spectra(x[:n])
    _, py = _spectra(y[:n])
    energy = 20 * np.log10(np.linalg.norm(fx, axis=1) + np.finfo(float).eps)
    keep = energy > energy.max() - DYN_RANGE
    b = band_matrix()
    X = np.sqrt(px[keep] @ b.T)         # (frames, bands) band magnitudes
    Y = np.sqrt(py[keep] @ b.T)
    eps = np.finfo(float).eps
    snr = 10 * np.log10((X ** 2 + eps) / ((X - Y) ** 2 + eps))
    snr = np.clip(snr, SNR_MIN, SNR_MAX)
    w = X ** GAMMA
    per_frame = np.sum(w * snr, axis=1) / np.maximum(np.sum(w, axis=1), eps)
    return float(np.mean(per_frame))
