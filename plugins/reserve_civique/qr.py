"""QR code matrices for mission URLs, module for module the ones segno makes, 6× faster.

segno's encoder spends about 2 ms per code on bit lists (one Python object per
bit); at 10,000 missions that is 20 s of a build. For the one case the site
needs — a URL in byte mode, error level M, the fixed mask 3 — this module keeps
segno's knowledge and changes only the arithmetic:

- segno gives, once per version, the function patterns with the format and
  version information (a code of that version) and the order in which data
  modules are filled (its own ``add_codewords`` run on numbered markers);
- the data codewords are assembled as one integer, the error correction uses
  segno's Galois-field tables and generator polynomials, and the bits are put
  in place with one permutation.

Anything else (text that segno would not put in a single byte-mode segment)
goes to ``segno.make`` itself. ``tests/test_qr.py`` compares both for hundreds
of URLs of every length up to version 10.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re

import segno
from segno import consts
from segno import encoder as enc

ERROR = consts.ERROR_LEVEL_M
MASK = 3
_BITS = bytes.maketrans(b"01", b"\x00\x01")


@functools.cache
def _layout(version: int) -> tuple[int, bytes, operator.itemgetter, int, int]:
    """(size, function modules, permutation, mask bits as an int, number of data bits) of a version."""
    size = enc.calc_matrix_size(version)
    probe = [list(row) for row in enc.make_matrix(size, size)]
    enc.add_finder_patterns(probe, size, size)
    enc.add_alignment_patterns(probe, size, size)
    free = sum(row.count(0x2) for row in probe)
    marker = 1000  # numbered placeholders: segno's placement tells where bit k goes
    enc.add_codewords(probe, list(range(marker, marker + free)), version)
    base = bytes(
        b for row in segno.make_qr("0", version=version, error="m", mask=MASK, boost_error=False).matrix for b in row
    )
    source = list(range(size * size))  # cell -> index in (function modules + data bits)
    mask_fn = enc.get_data_mask_functions(False)[MASK]
    mask_bits = 0
    for i, row in enumerate(probe):
        for j, value in enumerate(row):
            if value >= marker:
                k = value - marker
                source[i * size + j] = size * size + k
                if mask_fn(i, j):
                    mask_bits |= 1 << (free - 1 - k)
    return size, base, operator.itemgetter(*source), mask_bits, free


@functools.cache
def _generator_table(count: int) -> tuple[int, ...]:
    """For each leading coefficient, the generator polynomial times it, as one integer."""
    log, exp, gen = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[count]
    table = [0]
    for coef in range(1, 256):
        table.append(int.from_bytes(bytes(exp[log[coef] + g] for g in gen[:count]), "big"))
    return tuple(table)


def _error_blocks(version: int, data: bytes) -> bytes:
    """Data and error-correction codewords, interleaved (ISO/IEC 18004 §7.6).

    The same division as segno's ``make_blocks``, with the remainder kept in
    one integer (a shift register) instead of a byte array.
    """
    data_blocks, error_blocks, offset = [], [], 0
    for info in consts.ECC[version][ERROR]:
        count = info.num_total - info.num_data
        table, shift, keep = _generator_table(count), 8 * (count - 1), (1 << (8 * count)) - 1
        for _ in range(info.num_blocks):
            block = data[offset : offset + info.num_data]
            offset += info.num_data
            remainder = 0
            for byte in block:
                remainder = ((remainder << 8) & keep) ^ table[byte ^ (remainder >> shift)]
            data_blocks.append(block)
            error_blocks.append(remainder.to_bytes(count, "big"))
    out = bytearray()
    for blocks in (data_blocks, error_blocks):
        shortest = min(map(len, blocks))
        out.extend(itertools.chain.from_iterable(zip(*blocks, strict=False)))  # to the shortest block's end
        for i in range(shortest, max(map(len, blocks))):  # longer blocks have one byte more
            out.extend(b[i] for b in blocks if i < len(b))
    return bytes(out)


def _byte_mode(text: str) -> tuple[int, bytes] | None:
    """(version, data bytes) when segno would encode ``text`` as one byte-mode segment of ASCII."""
    if not text.isascii() or enc.find_mode(text.encode("ascii")) != consts.MODE_BYTE:
        return None  # other modes, or an encoding segno chooses (ISO-8859-1, Shift_JIS, UTF-8)
    payload = text.encode("ascii")
    for version in range(1, 41):
        if consts.SYMBOL_CAPACITY[version][ERROR] >= 4 + (8 if version < 10 else 16) + 8 * len(payload):
            return version, payload
    return None


def matrix(text: str) -> list[bytes]:
    """The QR code of ``text`` (error level M, mask 3) as rows of 0/1 bytes, without quiet zone."""
    found = _byte_mode(text)
    if found is None:
        return [bytes(row) for row in segno.make(text, error="m", mask=MASK, boost_error=False, micro=False).matrix]
    version, payload = found
    capacity = consts.SYMBOL_CAPACITY[version][ERROR]  # data bits
    count_bits = 8 if version < 10 else 16
    length = 4 + count_bits + 8 * len(payload)
    value = (((0b0100 << count_bits) | len(payload)) << (8 * len(payload))) | int.from_bytes(payload, "big")
    terminator = min(capacity - length, 4)
    value <<= terminator
    length += terminator
    padding = 8 - length % 8  # as segno: a whole zero byte when already aligned (decoders stop at the terminator)
    value <<= padding
    length += padding
    data = bytearray(value.to_bytes(length // 8, "big"))
    pads = (0xEC, 0x11)
    data.extend(pads[i % 2] for i in range(capacity // 8 - len(data)))
    size, base, permutation, mask_bits, free = _layout(version)
    codewords = _error_blocks(version, bytes(data))
    bits = int.from_bytes(codewords, "big") << (free - 8 * len(codewords))  # remainder bits are 0
    placed = format(bits ^ mask_bits, f"0{free}b").encode().translate(_BITS)
    cells = bytes(permutation(base + placed))
    return [cells[i : i + size] for i in range(0, size * size, size)]


_DRAW = bytes.maketrans(b"\x00\x01", b".#")
_RUNS = re.compile(r"#+|\.*\n|\.+")  # a dark run, a row's (light) end, a light run


@functools.cache
def _steps(size: int) -> dict[str, str]:
    """The path step of each run: dark drawn (``h``), light skipped (``m``), a row's end back to the next row."""
    steps = {"#" * n: f"h{n}" for n in range(1, size + 1)}
    steps.update({"." * n: f"m{n} 0" for n in range(1, size + 1)})
    steps.update({"." * n + "\n": f"m{n - size} 1" for n in range(size + 1)})
    return steps


def svg_path(rows: list[bytes], border: int) -> str:
    """SVG path data: from the first row's start, dark runs drawn (``h``), light ones skipped (``m``),
    and at each row's end a move back to the start of the next.

    The whole code is one string scanned by one regular expression (a code of
    version 5 in about 0.03 ms; a call per row took ten times as long).
    """
    cells = b"\n".join(rows).translate(_DRAW).decode("ascii").rstrip(".")
    return f"M{border} {border}.5" + "".join(map(_steps(len(rows[0])).__getitem__, _RUNS.findall(cells)))
