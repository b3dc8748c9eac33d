#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the quality metric, TAP on stdout.

test_quality.py VOICE.wav: the reference voice from paper/voice (real
speech: STOI's silence removal and bands need it). Each check is one TAP
line; the exit status is 1 if any failed.
"""

import json
import os
import subprocess
import sys
import traceback

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

import align    # noqa: E402
import emodel   # noqa: E402
import fwsnr    # noqa: E402
import media    # noqa: E402
import stoi     # noqa: E402

voice, FS = media.read_wav(sys.argv[1])
SEED = 16       # one fixed seed: the loss patterns are the same every run
tests = []


def test(fn):
    tests.append(fn)
    return fn


def drop_frames(x, pct, frame_s=0.02):
    """x with pct % of its 20 ms frames zeroed. The frames are the first
    ones of one fixed random order, so a higher pct drops a superset."""
    n = int(FS * frame_s)
    k = len(x) // n
    order = np.random.default_rng(SEED).permutation(k)
    y = x.copy()
    for f in order[:int(round(k * pct / 100))]:
        y[f * n:(f + 1) * n] = 0
    return y


def score(rec):
    aligned, _ = align.align(voice, rec)
    return stoi.stoi(voice, aligned, FS), fwsnr.fwsnrseg(voice, aligned, FS)


@test
def identical_is_best():
    s = stoi.stoi(voice, voice, FS)
    f = fwsnr.fwsnrseg(voice, voice, FS)
    assert s > 0.999, "identical signals: STOI %.4f, want 1" % s
    assert f == fwsnr.SNR_MAX, "identical signals: fwSNRseg %.2f, want 35" % f
    # half the amplitude: |X| - |X|/2 in every band, 20 log10(2) = 6.02 dB
    h = fwsnr.fwsnrseg(voice, voice / 2, FS)
    assert abs(h - 20 * np.log10(2)) < 0.01, "half amplitude: %.3f dB, want 6.02" % h
    return "STOI %.4f, fwSNRseg %.1f dB (half amplitude %.2f dB)" % (s, f, h)


@test
def silence_is_worst():
    s = stoi.stoi(voice, np.zeros_like(voice), FS)
    assert s == 0.0, "silence: STOI %.4f, want 0" % s
    noise = np.random.default_rng(SEED).normal(0, 0.1, len(voice))
    n = stoi.stoi(voice, noise, FS)
    assert s <= n, "silence (%.3f) scores above noise (%.3f)" % (s, n)
    # fwSNRseg: a silent frame is exactly 0 dB, loud noise is worse
    fs_, fn = fwsnr.fwsnrseg(voice, np.zeros_like(voice), FS), fwsnr.fwsnrseg(voice, noise, FS)
    assert abs(fs_) < 1e-9 and fn < fs_, "fwSNRseg: silence %.3f, noise %.3f" % (fs_, fn)
    return "STOI silence %.3f, noise %.3f; fwSNRseg silence %.1f, noise %.1f dB" % (
        s, n, fs_, fn)


@test
def more_loss_never_scores_better():
    pcts = [0, 2, 5, 10, 20]
    both = [score(drop_frames(voice, p)) for p in pcts]
    text = ", ".join("%d%%: %.3f/%.1f dB" % (p, s, f) for p, (s, f) in zip(pcts, both))
    for i, drop in ((0, 0.05), (1, 3.0)):
        scores = [b[i] for b in both]
        assert all(b <= a for a, b in zip(scores, scores[1:])), "not monotonic: " + text
        assert scores[-1] < scores[0] - drop, "20%% loss barely matters: " + text
    return "STOI/fwSNRseg " + text


@test
def offset_handled_by_alignment():
    # 137 ms of silence before, the first 50 ms lost: both offsets found
    late = np.concatenate([np.zeros(int(0.137 * FS)), voice])
    early = voice[int(0.05 * FS):]
    a_late, lag_late = align.align(voice, late)
    a_early, lag_early = align.align(voice, early)
    assert lag_late == int(0.137 * FS), "lag %d for +137 ms" % lag_late
    assert lag_early == -int(0.05 * FS), "lag %d for -50 ms" % lag_early
    s_late, s_early = stoi.stoi(voice, a_late, FS), stoi.stoi(voice, a_early, FS)
    assert s_late > 0.999 and s_early > 0.99, \
        "after alignment: %.4f, %.4f" % (s_late, s_early)
    unaligned = stoi.stoi(voice, late[:len(voice)], FS)
    assert unaligned < s_late - 0.1, "unaligned scores %.3f" % unaligned
    f_late = fwsnr.fwsnrseg(voice, a_late, FS)
    assert f_late == fwsnr.SNR_MAX, "fwSNRseg after alignment %.2f" % f_late
    return "+137 ms: %.4f, -50 ms: %.4f (unaligned %.3f)" % (s_late, s_early, unaligned)


@test
def encodings_rank_by_bit_rate():
    # the AAC encodings paper/voice made beside the reference: fewer bits,
    # lower scores (STOI and fwSNRseg), none as good as the reference
    got = {}
    for b in ("96k", "48k", "8k"):
        frames, rate = media.decode_frames(
            os.path.join(os.path.dirname(sys.argv[1]), "aac-%s.m4a" % b))
        placed, _ = align.place_frames(frames, rate)
        aligned, _ = align.align(voice, align.to_rate(placed, rate, FS))
        got[b] = (stoi.stoi(voice, aligned, FS), fwsnr.fwsnrseg(voice, aligned, FS))
    text = ", ".join("%s: %.3f/%.1f dB" % (b, s, f) for b, (s, f) in got.items())
    for i in (0, 1):
        assert got["96k"][i] > got["48k"][i] > got["8k"][i], "not ranked: " + text
    assert got["96k"][1] < fwsnr.SNR_MAX, "96k scores as the reference: " + text
    return "STOI/fwSNRseg " + text


@test
def frames_placed_by_pts():
    # 1024-sample frames from a timeline starting at 3.5 s, every 7th lost:
    # the gaps stay gaps, later frames keep their places.
    n = 1024
    frames = [(3.5 + i * n / FS, voice[i * n:(i + 1) * n])
              for i in range(len(voice) // n) if i % 7 != 3]
    # a duplicate of frame 11 arriving later (noise): the first one counts
    frames.append((3.5 + 11 * n / FS, np.ones(n)))
    # PTS a sample early or late now and then (ffmpeg's rounding of RTP
    # timestamps) is not a gap
    frames = [(t + (i % 3 - 1) / FS, s) for i, (t, s) in enumerate(frames)]
    placed, start = align.place_frames(frames, FS)
    assert abs(start - 3.5) <= 1.0 / FS, "start %r" % start
    want = voice[:len(placed)].copy()
    for i in range(3, len(voice) // n, 7):
        want[i * n:(i + 1) * n] = 0
    got = placed[:len(voice) // n * n]
    assert np.array_equal(got, want[:len(got)]), \
        "placement differs at %d samples" % np.sum(got != want[:len(got)])
    aligned, lag = align.align(voice, placed)
    assert lag == 0, "lag %d" % lag
    missing = align.missing_fraction(voice, aligned, FS)
    assert 0.12 < missing < 0.17, "missing %.3f for 1 frame in 7" % missing
    return "missing %.3f, STOI %.3f" % (missing, stoi.stoi(voice, aligned, FS))


@test
def emodel_default_r():
    r = emodel.r_factor()
    assert abs(r - 93.2) < 0.05, "default R %.3f, G.107 says 93.2" % r
    return "R %.2f, MOS %.2f" % (r, emodel.mos(r))


@test
def emodel_mos_mapping():
    assert emodel.mos(-5) == 1.0 and emodel.mos(0) == 1.0
    assert emodel.mos(100) == 4.5 and emodel.mos(120) == 4.5
    m = [emodel.mos(r) for r in range(0, 101)]
    assert all(b >= a for a, b in zip(m, m[1:])), "MOS not monotonic in R"
    assert abs(emodel.mos(93.2) - 4.41) < 0.01, "MOS(93.2) %.3f" % emodel.mos(93.2)
    return "MOS(0)=1, MOS(93.2)=%.2f, MOS(100)=4.5" % emodel.mos(93.2)


@test
def emodel_loss_and_delay():
    # Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl): G.729A-like Ie 11,
    # Bpl 19 at 2 % random loss gives Ie,eff = 19 exactly.
    r = emodel.r_factor(Ie=11, Bpl=19, Ppl=2)
    assert abs(r - (emodel.r_factor() - 19)) < 1e-9, "R %.3f" % r
    losses = [emodel.from_network(p, 0, 0)["R"] for p in (0, 1, 2, 5, 10, 20)]
    delays = [emodel.from_network(0, d, 0)["R"] for d in (0, 100, 150, 300, 500)]
    assert all(b < a for a, b in zip(losses, losses[1:])), "loss: %s" % losses
    assert delays[0] == delays[1] and all(b < a for a, b in zip(delays[1:], delays[2:])), \
        "delay: %s" % delays
    try:
        emodel.r_factor(Ppll=1)
    except KeyError:
        pass
    else:
        raise AssertionError("a misspelt parameter was accepted")
    return "R at 0/1/2/5/10/20 %% loss: %s" % "/".join("%.1f" % r for r in losses)


@test
def emodel_burst_ratio():
    rng = np.random.default_rng(SEED)
    random = rng.random(20000) < 0.05
    burst = [False] * 1000 + [True] * 20 + [False] * 1000
    r, b = emodel.burst_ratio(random), emodel.burst_ratio(burst)
    assert abs(r - 1) < 0.1, "random loss: BurstR %.3f, want 1" % r
    assert b == 8.0, "one 20-packet burst: BurstR %.3f, want the cap 8" % b
    assert emodel.burst_ratio([False] * 10) == 1.0
    hi = emodel.r_factor(Ppl=2, BurstR=1)
    lo = emodel.r_factor(Ppl=2, BurstR=4)
    assert lo < hi, "bursty loss rates better (%.1f vs %.1f)" % (lo, hi)
    return "random %.3f, one burst %.1f; R at 2 %%: %.1f random, %.1f bursty" % (r, b, hi, lo)


@test
def command_line():
    # the entry point: a WAV with 10 % of frames lost, JSON out
    import tempfile
    from scipy.io import wavfile
    with tempfile.TemporaryDirectory() as d:
        rec = os.path.join(d, "rec.wav")
        wavfile.write(rec, FS, (drop_frames(voice, 10) * 32767).astype(np.int16))
        out = subprocess.run([os.path.join(here, "score"), sys.argv[1], rec,
                              "--loss", "10"], stdout=subprocess.PIPE, check=True)
    j = json.loads(out.stdout)
    assert 0.5 < j["stoi"] < 0.99, "stoi %r" % j["stoi"]
    assert abs(j["missing"] - 0.1) < 0.03, "missing %r" % j["missing"]
    assert j["emodel"]["Ppl"] == 10 and j["emodel"]["R"] < 50, j["emodel"]
    return "stoi %.3f, missing %.3f, R %.1f" % (j["stoi"], j["missing"], j["emodel"]["R"])


def main():
    print("TAP version 13")
    print("1..%d" % len(tests))
    failed = 0
    for i, fn in enumerate(tests, 1):
        name = fn.__name__.replace("_", " ")
        try:
            detail = fn()
            print("ok %d - %s" % (i, name))
            if detail:
                print("# " + detail)
        except Exception:       # noqa: BLE001 (any failure is a not ok)
            failed = 1
            print("not ok %d - %s" % (i, name))
            for line in traceback.format_exc().splitlines()[-4:]:
                print("# " + line)
    return failed


if __name__ == "__main__":
    sys.exit(main())
