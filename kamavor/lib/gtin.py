"""Barcodes on packaging: EAN-8, UPC-A (12), EAN-13 and GTIN-14, each with a check digit."""

from __future__ import annotations

LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def looks_like_barcode(text: str) -> bool:
    """Digits of a barcode's length: what a scanner types."""
    text = text.strip()
    return text.isdigit() and len(text) in LENGTHS


def is_valid_gtin(text: str) -> bool:
    """A barcode of a known length whose check digit is right."""
    text = text.strip()
    return looks_like_barcode(text) and check_digit(text[:-1]) == int(text[-1])
