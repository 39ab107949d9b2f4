#!/usr/bin/env python3
"""The expected values of SeededRandomTests: SplitMix64 from seed 0 (the published vector) and the first five
outputs of xoshiro256** seeded with 42 through SplitMix64, as in Vigna's reference C code (xoshiro256starstar.c,
splitmix64.c), in Python's big integers masked to 64 bits, independent of Kodiak's C#.

Run: python3 tests/Kodiak.Vision.Tests/Golden/xoshiro256ss.py
"""

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro256ss(seed, count):
    state, s = seed, []
    for _ in range(4):
        state, value = splitmix64(state)
        s.append(value)
    for _ in range(count):
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        yield result


def hex_list(values):
    return ", ".join(f"0x{v:016X}" for v in values)


state, splitmix = 0, []
for _ in range(4):
    state, value = splitmix64(state)
    splitmix.append(value)
print("SplitMix64 from 0:      ", hex_list(splitmix))
print("xoshiro256** seed 42:   ", hex_list(xoshiro256ss(42, 5)))
