"""The build's speed tricks, each kept because it was measured to matter, all behind one switch.

``RESERVE_CIVIQUE["speedups"]`` (default ``True``) turns them on; with ``False``
the build makes the same files the plain way, through the public API of
Pelican, Jinja and segno, more slowly. ``tests/site/test_speedups.py`` builds a site
both ways and compares every byte, and pins each trick to the version of the
library it was written for: an upgrade fails that test until the trick is
checked again (or removed).

Each saves, at 10,000 missions (CPU time, measured with and without it):

- :func:`qr_matrix` — segno's QR codes of the mission pages, computed with
  segno's own tables and integer arithmetic: 0.04 ms a code instead of
  0.64 ms: 5.5 s of CPU for 9,200 open missions.
- :class:`SharedForms` — the application form rendered once for the missions
  that share its text, each page's address put in: 0.15 s of CPU for 9,200
  forms instead of 1.25 s.
- :func:`pause_collector` / :func:`resume_collector` — no cyclic garbage
  collection while the build holds the whole catalog: 13 to 19 % of a
  rebuild's CPU (0.88 s instead of 1.01 s in `make run`'s process, 1.12 s
  instead of 1.38 s in a new one).

Measured and not kept (the plain way is in :mod:`.writing`): writing files
with ``os.write`` rather than ``open()`` saved 0.08 s of CPU for 22,000 files;
looking up the sitemap's receivers once rather than sending Pelican's signal
for each page, 0.03 s for 12,500 pages.
"""

from __future__ import annotations

import functools
import gc
import itertools
import operator
from types import SimpleNamespace

import segno
from markupsafe import Markup, escape
from segno import consts
from segno import encoder as enc

from . import graphics

SEGNO_VERSION = "1.6.6"  # qr_matrix reads segno's encoder tables and functions as this version has them
MARKUPSAFE_VERSION = "3.0.4"  # SharedForms relies on escape() leaving its marker as it is
PYTHON_VERSION = (3, 11)  # pause_collector: CPython's generational collector of this version

# -- QR codes -----------------------------------------------------------------------------
#
# segno's encoder spends most of a code's time on lists of bits (one Python object per bit).
# For the one case the site needs — a URL in byte mode, error level M, a fixed mask — this keeps
# segno's knowledge and changes only the arithmetic: segno gives, once per version, the function
# patterns with the format and version information (a code of that version) and the order in
# which data modules are filled (its own ``add_codewords`` run on numbered markers); the data
# codewords are assembled as one integer, the error correction uses segno's Galois-field tables
# and generator polynomials, and the bits are put in place with one permutation. Anything else
# (text segno would not put in a single byte-mode segment) goes to segno itself.

ERROR = consts.ERROR_LEVEL_M
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
    code = segno.make_qr("0", version=version, error="m", mask=graphics.QR_MASK, boost_error=False)
    base = bytes(b for row in code.matrix for b in row)
    source = list(range(size * size))  # cell -> index in (function modules + data bits)
    mask_fn = enc.get_data_mask_functions(False)[graphics.QR_MASK]
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


def qr_matrix(text: str) -> list[bytes]:
    """:func:`.graphics.qr_matrix`, computed faster: the same rows of 0/1 bytes."""
    found = _byte_mode(text)
    if found is None:
        return graphics.qr_matrix(text)
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


# -- the application form -----------------------------------------------------------------

FORM_URL = "\x00applications-url\x00"  # stands for a mission's form action in a shared form


class SharedForms:
    """Mission pages' application forms, rendered once per text they share.

    The form shows the structure's name, the ages, the commitments and whether the mission
    is full, and is sent to the mission's own address: missions that agree on the first four
    share one rendering (a few hundred for 10,000 missions), made with a
    marker for the address, which each page's copy replaces — escaped as the
    template escapes it. ``render(mission)`` renders the form template.
    """

    def __init__(self, render):
        self.render = render
        self.made: dict[tuple, str] = {}

    def __call__(self, view) -> Markup:
        full = getattr(view, "full", False)  # the form says when an application goes to the waiting list
        key = (view.structure["name"], view.age_min, view.age_max, view.requirements, full)
        if key not in self.made:
            shared = SimpleNamespace(
                structure=view.structure,
                age_min=view.age_min,
                age_max=view.age_max,
                requirements=view.requirements,
                applications_url=FORM_URL,
                full=full,
            )
            self.made[key] = self.render(shared)
        return Markup(self.made[key].replace(FORM_URL, escape(view.applications_url)))


# -- the garbage collector ------------------------------------------------------------------


def pause_collector() -> None:
    """Pause the cyclic garbage collector for the build.

    It would walk the whole catalog (hundreds of thousands of long-lived
    objects) again and again while pages are made. A previous build in this
    process (`make run`'s watching build, the tests) left its objects frozen:
    they are collected first, once.
    """
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.disable()


def resume_collector() -> None:
    """The collector again, for what follows the build (the sitemap…), which need not walk its objects:
    they are frozen until the next build (or ``devtools.watch``, between builds) collects them."""
    gc.freeze()
    gc.enable()
