#!/usr/bin/python3
"""An independent reference of guest/runtime/dp/dp.c's samplers, for its regression
vectors: the same draws (the discrete Laplace as a difference of two
geometrics, each the inversion of one uniform; the discrete Gaussian by
Algorithm 3 of Canonne, Kamath, Steinke 2020, 80 rounds, the first kept),
written from their definitions in 60-digit decimal arithmetic (Python's
decimal module: correctly rounded ln and exp) instead of the C code's
128-bit fixed point, from the same bytes in the same order: the ChaCha20
keystream (RFC 8439, counter 0, zero nonce) of a 32-byte key.

Prints the C arrays that tests/unit/test_dp.c holds; tests/host/dp_vectors.sh
checks that they agree.
"""
from decimal import ROUND_FLOOR, Decimal, getcontext
from math import isqrt

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


class Stream:
    def __init__(self, key):
        self.enc = Cipher(algorithms.ChaCha20(key, b"\0" * 16), mode=None).encryptor()

    def take(self, n):
        return self.enc.update(b"\0" * n)


getcontext().prec = 60


def u(s):
    """The uniform real U in (0, 1) that 16 little-endian bytes begin: the
    C code's thresholds are decided on [r, r + 1)/2^128 and fail the draw
    when that is not enough, which these draws never come near, so the
    midpoint decides the same."""
    return (Decimal(int.from_bytes(s.take(16), "little")) + Decimal("0.5")) / Decimal(2) ** 128


def geometric(s, t):
    """P(G >= k) = e^(-k/t): G = floor(-t·ln U), by inversion."""
    return int((-t * u(s).ln()).to_integral_value(rounding=ROUND_FLOOR))


def laplace(s, n, d):
    """P(x) ∝ exp(-|x|·d/n): the difference of two geometrics of ratio e^(-d/n)."""
    t = Decimal(n) / Decimal(d)
    g1 = geometric(s, t)
    return g1 - geometric(s, t)


ROUNDS = 80


def gaussian(s, a, b):
    """P(x) ∝ exp(-x²/(2σ²)), σ² = a/b (Algorithm 3): every one of the
    ROUNDS rounds draws its bytes; the first kept one is the sample."""
    t = isqrt(a // b) + 1           # floor(sqrt(floor(x))) = floor(sqrt(x))
    s2 = Decimal(a) / Decimal(b)
    out = None
    for _ in range(ROUNDS):
        y = laplace(s, t, 1)
        keep = u(s) < (-((abs(y) - s2 / t) ** 2) / (2 * s2)).exp()
        if keep and out is None:
            out = y
    return out


KEY = bytes(range(32))
N = 24


def row(name, xs):
    print("static const %s %s[%d] = {" % ("int64_t", name, len(xs)))
    print("\t" + ", ".join(str(int(x)) for x in xs) + ",")
    print("};")


def main():
    s = Stream(KEY)
    row("ref_laplace", [laplace(s, 7, 2) for _ in range(N)])
    s = Stream(KEY)
    row("ref_gauss", [gaussian(s, 9, 2) for _ in range(N)])


if __name__ == "__main__":
    main()
