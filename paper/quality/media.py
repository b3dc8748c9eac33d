# SPDX-License-Identifier: GPL-2.0
"""Reading audio: WAV files directly, anything else (a recorded stream,
an .m4a) decoded by ffmpeg frame by frame with each frame's PTS, so that
align.place_frames can put gaps where packets were lost."""

import re
import subprocess

import numpy as np
from scipy.io import wavfile


def read_wav(path):
    """(mono float samples in -1..1, rate): channels are averaged."""
    fs, x = wavfile.read(path)
    if x.dtype.kind == "i":
        x = x / float(np.iinfo(x.dtype).max + 1)
    elif x.dtype.kind == "u":     # 8-bit WAV is unsigned
        x = (x.astype(float) - 128) / 128
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return x, int(fs)


_INFO = re.compile(r"\bpts:(-?\d+) .*\brate:(\d+) nb_samples:(\d+)")


def decode_frames(path):
    """Decodes the first audio stream of path with ffmpeg: ([(pts seconds,
    samples)], rate). The ashowinfo filter prints each decoded frame's
    PTS and length as it passes; the samples follow on stdout in the same
    order. The filter's time base is 1/rate (ffmpeg gives audio filter
    graphs the sample rate as time base), so PTS / rate is in seconds.
    -copyts keeps the recording's own timestamps (ffmpeg would otherwise
    start every file at 0, and several sessions of one programme would
    overlap). Nothing fills gaps: ffmpeg's -async/aresample are not used."""
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-nostdin", "-i", path,
           "-map", "0:a:0", "-af",
           "aformat=sample_fmts=s16:channel_layouts=mono,ashowinfo",
           "-copyts", "-f", "s16le", "-"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=False)
    if p.returncode != 0:
        raise RuntimeError("ffmpeg could not decode %s: %s" %
                           (path, p.stderr.decode(errors="replace")[-500:]))
    pcm = np.frombuffer(p.stdout, dtype="<i2").astype(float) / 32768.0
    frames, pos, rate = [], 0, None
    for m in _INFO.finditer(p.stderr.decode(errors="replace")):
        pts, rate, n = int(m.group(1)), int(m.group(2)), int(m.group(3))
        frames.append((pts / rate, pcm[pos:pos + n]))
        pos += n
    if pos != len(pcm):
        raise RuntimeError("ffmpeg printed %d samples' worth of frames but "
                           "wrote %d" % (pos, len(pcm)))
    return frames, rate
