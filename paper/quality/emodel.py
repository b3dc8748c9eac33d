# SPDX-License-Identifier: GPL-2.0
"""The E-model of ITU-T G.107 (06/2015, narrowband), written from the
Recommendation's equations: a transmission rating R from network and
terminal parameters, and its mapping to an estimated conversational MOS.

R = Ro - Is - Id - Ie,eff + A
  Ro      basic signal-to-noise ratio (circuit and room noise),
  Is      simultaneous impairments (loudness, sidetone, quantization),
  Id      delay impairments (talker echo, listener echo, absolute delay Ta),
  Ie,eff  equipment impairment: the codec's Ie and packet loss Ppl, with
          the codec's packet-loss robustness Bpl,
  A       advantage factor (0: no mobility bonus is assumed).
With every parameter at its default (Table 3 of G.107) R = 93.2.

What it is used for here: the network side of a run (loss, delay, jitter
measured from the capture) turned into R and MOS beside STOI, which looks
at the audio itself. G.107 rates a two-way telephone conversation; for a
one-way stream its delay term Idd overstates what a listener notices, so
the report gives R with and without it.
"""

import math

# G.107 Table 3 defaults.
DEFAULTS = dict(
    SLR=8.0, RLR=2.0, STMR=15.0, LSTR=18.0, Ds=3.0, Dr=3.0, TELR=65.0,
    WEPL=110.0, T=0.0, Tr=0.0, Ta=0.0, qdu=1.0, Ie=0.0, Bpl=4.3, Ppl=0.0,
    BurstR=1.0, Nc=-70.0, Nfor=-64.0, Ps=35.0, Pr=35.0, A=0.0, sT=1.0,
    mT=100.0,
)

# Codec parameters this project uses (Ie, Bpl). ITU-T G.113 lists none for
# AAC. AAC-LC at 48 kbit/s and above is transparent in the 300-3400 Hz band
# the narrowband E-model rates, so it gets G.711's Ie = 0; the receiver
# under test plays no buffer and conceals nothing, so Bpl is G.113
# Appendix I's value for G.711 without packet loss concealment, 4.3.
# No value exists for 8 kbit/s AAC: it keeps Ie = 0 unless the caller gives
# one, and the report says so.
CODECS = {
    "aac-96k": dict(Ie=0.0, Bpl=4.3),
    "aac-48k": dict(Ie=0.0, Bpl=4.3),
    "aac-8k": dict(Ie=0.0, Bpl=4.3),
}


def _lg(x):
    return math.log10(x)


def r_factor(**kw):
    """R from G.107 parameters (keyword names as in DEFAULTS); unknown
    names raise KeyError so that a typo cannot silently use a default."""
    for k in kw:
        if k not in DEFAULTS:
            raise KeyError("not a G.107 parameter: %s" % k)
    p = dict(DEFAULTS, **kw)
    SLR, RLR, STMR, LSTR = p["SLR"], p["RLR"], p["STMR"], p["LSTR"]
    Ds, T, Tr, Ta = p["Ds"], p["T"], p["Tr"], p["Ta"]

    # Ro: noise.
    OLR = SLR + RLR
    Nfo = p["Nfor"] + RLR
    Pre = p["Pr"] + 10 * _lg(1 + 10 ** ((10 - LSTR) / 10))
    Nor = RLR - 121 + Pre + 0.008 * (Pre - 35) ** 2
    Nos = p["Ps"] - SLR - Ds - 100 + 0.004 * (p["Ps"] - OLR - Ds - 14) ** 2
    No = 10 * _lg(10 ** (p["Nc"] / 10) + 10 ** (Nos / 10) +
                  10 ** (Nor / 10) + 10 ** (Nfo / 10))
    Ro = 15 - 1.5 * (SLR + No)

    # Is: loudness, sidetone, quantization.
    Xolr = OLR + 0.2 * (64 + No - RLR)
    Iolr = 20 * ((1 + (Xolr / 8) ** 8) ** (1 / 8) - Xolr / 8)
    STMRo = -10 * _lg(10 ** (-STMR / 10) + math.exp(-T / 4) * 10 ** (-p["TELR"] / 10))
    Ist = (12 * (1 + ((STMRo - 13) / 6) ** 8) ** (1 / 8)
           - 28 * (1 + ((STMRo + 1) / 19.4) ** 35) ** (1 / 35)
           - 13 * (1 + ((STMRo - 3) / 33) ** 13) ** (1 / 13) + 29)
    Q = 37 - 15 * _lg(p["qdu"])
    G = 1.07 + 0.258 * Q + 0.0602 * Q ** 2
    Y = (Ro - 100) / 15 + 46 / 8.4 - G / 9
    Z = 46 / 30 - G / 40
    Iq = 15 * _lg(1 + 10 ** Y + 10 ** Z)
    Is = Iolr + Ist + Iq

    # Id: talker echo, listener echo, absolute delay.
    TERV = p["TELR"] - 40 * _lg((1 + T / 10) / (1 + T / 150)) + 6 * math.exp(-0.3 * T ** 2)
    if STMR < 9:
        TERV += Ist / 2
    Re = 80 + 2.5 * (TERV - 14)
    Roe = -1.5 * (No - RLR)
    Idte = ((Roe - Re) / 2 + math.sqrt((Roe - Re) ** 2 / 4 + 100) - 1) * (1 - math.exp(-T))
    if STMR > 20:   # G.107: strong sidetone adds to the talker echo
        Idte = math.sqrt(Idte ** 2 + Ist ** 2)
    Rle = 10.5 * (p["WEPL"] + 7) * (Tr + 1) ** -0.25
    Idle = (Ro - Rle) / 2 + math.sqrt((Ro - Rle) ** 2 / 4 + 169)
    Idd = 0.0
    if Ta > p["mT"]:
        X = _lg(Ta / p["mT"]) / _lg(2)
        s = 6 * p["sT"]
        Idd = 25 * ((1 + X ** s) ** (1 / s) - 3 * (1 + (X / 3) ** s) ** (1 / s) + 2)
    Id = Idte + Idle + Idd

    # Ie,eff: codec and packet loss.
    Ppl, Ie = p["Ppl"], p["Ie"]
    Ie_eff = Ie + (95 - Ie) * Ppl / (Ppl / p["BurstR"] + p["Bpl"])

    return Ro - Is - Id - Ie_eff + p["A"]


def mos(r):
    """G.107 Annex B: R -> estimated MOS (conversational, 1..4.5). The
    Annex's cubic dips below 1 for 0 < R < 6.5 (to 0.95 near R = 3); the
    MOS scale has nothing below 1, so the result is held at 1 there and
    stays monotonic in R."""
    if r < 0:
        return 1.0
    if r > 100:
        return 4.5
    return max(1.0, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6)


def burst_ratio(lost):
    """G.107's BurstR from a loss pattern (a sequence of booleans, one per
    packet, True = lost), through the two-state Markov model the
    Recommendation defines it with: p = P(lost | previous found), q =
    P(found | previous lost), BurstR = 1 / (p + q). 1 for random loss,
    larger for bursts; held to G.107's range 1..8 (also with no loss or
    no recovery, where the model has no estimate)."""
    lost = [bool(x) for x in lost]
    found_n = lost_n = f2l = l2f = 0
    for a, b in zip(lost, lost[1:]):
        if a:
            lost_n += 1
            l2f += not b
        else:
            found_n += 1
            f2l += b
    if not found_n or not lost_n or not f2l + l2f:
        return 1.0
    p, q = f2l / found_n, l2f / lost_n
    return min(8.0, max(1.0, 1.0 / (p + q)))


def from_network(loss_pct, delay_ms, jitter_ms, codec="aac-96k", ie=None,
                 burst_ratio=1.0):
    """R and MOS for a stream from what the capture measured.

    The receiver has no jitter buffer, but a player that had one would
    size it to about twice the jitter: the delay the listener gets is
    taken as Ta = one-way delay + 2 x jitter (an assumption of this
    project, not of G.107, which has no jitter input). Echo paths are
    assumed absent (T = Tr = 0, as for a listening-only stream)."""
    c = dict(CODECS[codec])
    if ie is not None:
        c["Ie"] = float(ie)
    ta = delay_ms + 2 * jitter_ms
    params = dict(Ppl=min(max(loss_pct, 0.0), 100.0), Ta=ta,
                  BurstR=burst_ratio, **c)
    r = r_factor(**params)
    r_nodelay = r_factor(**dict(params, Ta=0.0))
    return dict(R=r, MOS=mos(r), R_without_delay=r_nodelay,
                MOS_without_delay=mos(r_nodelay), Ta_ms=ta,
                Ie=c["Ie"], Bpl=c["Bpl"], Ppl=params["Ppl"],
                BurstR=burst_ratio)
