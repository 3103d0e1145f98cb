#!/usr/bin/python3
"""An independent reference of guest/runtime/dp/dp.c's samplers, for its regression
vectors: Canonne, Kamath, Steinke 2020, Algorithms 1-3, written from the
paper in Python integers (no overflow, no caps reached at these sizes),
drawing bytes in the same order as the C code from the same stream, the
ChaCha20 keystream (RFC 8439, counter 0, zero nonce) of a 32-byte key.

Prints the C arrays that tests/unit/test_dp.c holds; tests/host/dp_vectors.sh
checks that they agree.
"""
from math import isqrt

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


class Stream:
    def __init__(self, key):
        self.enc = Cipher(algorithms.ChaCha20(key, b"\0" * 16), mode=None).encryptor()

    def take(self, n):
        return self.enc.update(b"\0" * n)


def uniform(s, m):
    """Uniform in [0, m): the fewest bytes covering m - 1, masked, rejected."""
    bits = (m - 1).bit_length()
    if bits == 0:
        return 0
    while True:
        v = int.from_bytes(s.take((bits + 7) // 8), "little") & ((1 << bits) - 1)
        if v < m:
            return v


def bernoulli(s, num, den):
    return uniform(s, den) < num


def bexp_frac(s, num, den):
    """Bernoulli(exp(-num/den)) for num <= den (Algorithm 1, gamma <= 1)."""
    k = 1
    while bernoulli(s, num, den * k):
        k += 1
    return k % 2 == 1


def bexp(s, num, den):
    """Bernoulli(exp(-num/den)) for any gamma (Algorithm 1)."""
    for _ in range(num // den):
        if not bexp_frac(s, 1, 1):
            return False
    return bexp_frac(s, num % den, den)


def laplace(s, t, d):
    """P(x) ∝ exp(-|x|·d/t) (Algorithm 2, scale t/d)."""
    while True:
        u = uniform(s, t)
        if not bexp_frac(s, u, t):
            continue
        v = 0
        while bexp_frac(s, 1, 1):
            v += 1
        y = (u + t * v) // d
        neg = s.take(1)[0] & 1
        if neg and y == 0:
            continue
        return -y if neg else y


def gaussian(s, a, b):
    """P(x) ∝ exp(-x²/(2σ²)), σ² = a/b (Algorithm 3)."""
    t = isqrt(a // b) + 1           # floor(sqrt(floor(x))) = floor(sqrt(x))
    while True:
        y = laplace(s, t, 1)
        if bexp(s, (abs(y) * b * t - a) ** 2, 2 * a * b * t * t):
            return y


KEY = bytes(range(32))
N = 24


def row(name, xs):
    print("static const %s %s[%d] = {" % ("int64_t" if name != "ref_bexp" else "int", name, len(xs)))
    print("\t" + ", ".join(str(int(x)) for x in xs) + ",")
    print("};")


def main():
    s = Stream(KEY)
    row("ref_bexp", [bexp(s, 5, 4) for _ in range(N)])
    s = Stream(KEY)
    row("ref_laplace", [laplace(s, 7, 2) for _ in range(N)])
    s = Stream(KEY)
    row("ref_gauss", [gaussian(s, 9, 2) for _ in range(N)])


if __name__ == "__main__":
    main()
