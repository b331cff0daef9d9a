"""A fixed-size Bloom filter over the business keys written so far.

Dedup asks it first; only its "maybe" answers (real duplicates and rare false positives)
are confirmed against the target, so memory stays flat and the database sees few lookups.
"""

from __future__ import annotations

from typing import Any

MIX = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1


class KeyFilter:
    """8 MiB of bits, two probes: about 1e-3 false positives at one million keys."""

    def __init__(self, bits: int = 1 << 26) -> None:
        self.bits = bytearray(bits >> 3)
        self.mask = bits - 1

    def seen_or_add(self, key: Any) -> bool:
        """True when the key may have been added before; else add it and return False."""
        h = (hash(key) * MIX) & MASK64
        i, j = h & self.mask, (h >> 32) & self.mask
        b = self.bits
        if (b[i >> 3] >> (i & 7)) & 1 and (b[j >> 3] >> (j & 7)) & 1:
            return True
        b[i >> 3] |= 1 << (i & 7)
        b[j >> 3] |= 1 << (j & 7)
        return False
