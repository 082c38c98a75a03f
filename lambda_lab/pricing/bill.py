"""An itemised bill in exact decimals, and how it shows itself: notebook, terminal, JSON.

Money is :class:`decimal.Decimal` computed in :data:`EXACT`, a context that raises instead
of rounding, so a bill is either exact or an error. Rounding happens only for display
(cents, half up, as the pricing page's examples round).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, localcontext
from typing import Any

# Far more digits than any month needs; trapping Inexact makes any rounding an error.
EXACT = Context(prec=80, traps=[Inexact, InvalidOperation])
_DISPLAY = Context(prec=80, rounding=ROUND_HALF_UP)
CENT = Decimal("0.01")


class PricingError(ValueError):
    """A pricing input that is out of range or of the wrong kind."""


def to_decimal(value: Any, name: str) -> Decimal:
    """An exact Decimal from an int, a Decimal, a decimal string or a float (by its repr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PricingError(f"{name!r} must be a number (got {value!r})")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise PricingError(f"{name!r} must be a number (got {value!r})") from None
    if not number.is_finite():
        raise PricingError(f"{name!r} must be a finite number (got {value!r})")
    return number


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=_DISPLAY)


def format_usd(amount: Decimal) -> str:
    """Dollars for people: cents, or three significant digits for amounts under a cent."""
    if amount == 0 or abs(amount) >= CENT:
        return f"${cents(amount):,}"
    digits = _DISPLAY.create_decimal(amount).quantize(
        Decimal(1).scaleb(amount.adjusted() - 2), rounding=ROUND_HALF_UP, context=_DISPLAY
    )
    return f"${digits:f}"


def format_quantity(quantity: Decimal) -> str:
    """Thousands separators, at most six decimals, no trailing zeros."""
    shown = quantity.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP, context=_DISPLAY)
    whole, _, fraction = f"{shown:,f}".partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def _plain(number: Decimal) -> str:
    """The exact value without exponent or trailing zeros: '2.733338', '0', '1500000'."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class BillLine:
    """One charge: quantity x unit price = amount."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        with localcontext(EXACT):
            return self.quantity * self.unit_price

    def as_dict(self) -> dict[str, str]:
        return {
            "description": self.description,
            "quantity": _plain(self.quantity),
            "unit": self.unit,
            "unit_price": _plain(self.unit_price),
            "amount": _plain(self.amount),
        }


@dataclass(frozen=True)
class Bill:
    """An itemised monthly Lambda bill. ``total`` is exact; ``total_cents`` is what you pay."""

    lines: tuple[BillLine, ...]
    notes: tuple[str, ...] = ()
    title: str = "AWS Lambda monthly bill"

    def __iter__(self) -> Iterator[BillLine]:
        return iter(self.lines)

    @property
    def total(self) -> Decimal:
        with localcontext(EXACT):
            return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def total_cents(self) -> Decimal:
        return cents(self.total)

    def amount(self, prefix: str) -> Decimal:
        """The exact sum of the lines whose description starts with ``prefix``."""
        with localcontext(EXACT):
            return sum(
                (line.amount for line in self.lines if line.description.startswith(prefix)),
                Decimal(0),
            )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every number as an exact decimal string."""
        return {
            "title": self.title,
            "lines": [line.as_dict() for line in self.lines],
            "total": _plain(self.total),
            "total_cents": str(self.total_cents),
            "notes": list(self.notes),
        }

    # -- views ----------------------------------------------------------------------------
    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (
                line.description,
                format_quantity(line.quantity),
                line.unit,
                f"${line.unit_price:f}",
                format_usd(line.amount),
            )
            for line in self.lines
        ]

    _HEADERS = ("Item", "Quantity", "Unit", "Unit price", "Amount")

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(title=self.title, caption="\n".join(self.notes) or None, show_footer=True)
        for index, header in enumerate(self._HEADERS):
            footer = {0: "Total", 4: format_usd(self.total)}.get(index, "")
            numeric = index in (1, 3, 4)
            table.add_column(header, footer=footer, justify="right" if numeric else "left")
        for row in self._rows():
            table.add_row(*row)
        return table

    def __str__(self) -> str:
        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, width=110, color_system=None, legacy_windows=False).print(self)
        return buffer.getvalue()

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self._HEADERS) + " |"]
        lines.append("|---|---:|---|---:|---:|")
        for row in self._rows():
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        lines.append(f"| **Total** | | | | **{format_usd(self.total)}** |")
        lines.extend(["", *(f"- {note}" for note in self.notes)])
        return "\n".join(lines).rstrip() + "\n"

    def _repr_html_(self) -> str:
        import html  # (its entity table loads only for a notebook's view)

        def cells(values: tuple[str, ...], tag: str) -> str:
            return "".join(
                f'<{tag} style="text-align:{"right" if i in (1, 3, 4) else "left"}">'
                f"{html.escape(value)}</{tag}>"
                for i, value in enumerate(values)
            )

        body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in self._rows())
        total = cells(("Total", "", "", "", format_usd(self.total)), "th")
        notes = "".join(f"<li>{html.escape(note)}</li>" for note in self.notes)
        return (
            f'<table class="lambda-lab-bill"><caption>{html.escape(self.title)}</caption>'
            f"<thead><tr>{cells(self._HEADERS, 'th')}</tr></thead>"
            f"<tbody>{body}</tbody><tfoot><tr>{total}</tr></tfoot></table>"
            + (f"<ul>{notes}</ul>" if notes else "")
        )
