"""Tables -> text rows that keep their header context.

A fee or lockbox row is only useful on its own if it says what it is about, so each body row
becomes one line: "label — Column header: value; Column header: value". Row and column spans
are expanded (the row label of a rowspan carries down), a full-width body row becomes a group
label carried into the rows below it, and one-column tables (Policy Manual criteria boxes)
keep their paragraphs and list items as they are.
"""

from __future__ import annotations

import re

from bs4 import Tag

from ingest.parse.html_blocks import Block, WalkContext, element_blocks
from ingest.records import SkipPage

MAX_COLS = 64
MAX_ROWSPAN = 500
SHORT_CAPTION = 120
# A cell's lines run on with a space after punctuation or a dangling "and"/"or" (list items),
# else with ", " (address lines, state lists).
_RUNS_ON = re.compile(r"(?:[.:;,!?—–]|\b(?:and|or|nor))$")


def _span(cell: Tag, attr: str, cap: int) -> int:
    try:
        return max(1, min(int(str(cell.get(attr) or "1").strip() or "1"), cap))
    except ValueError:
        return 1


def _own_rows(table: Tag) -> tuple[list[Tag], int, Tag | None]:
    """This table's <tr>s (not nested tables'), how many lead in <thead>, and its caption."""
    head: list[Tag] = []
    body: list[Tag] = []
    caption = None
    for child in table.find_all(True, recursive=False):
        if child.name == "caption":
            caption = child
        elif child.name == "tr":
            body.append(child)
        elif child.name in ("thead", "tbody", "tfoot"):
            rows = child.find_all("tr", recursive=False)
            (head if child.name == "thead" else body).extend(rows)
    return head + body, len(head), caption


def _grid(rows: list[Tag]) -> list[list[Tag | None]]:
    grid: list[list[Tag | None]] = []
    pending: dict[int, list] = {}  # column -> [cell, rows still to fill]

    def carry(row: list[Tag | None], col: int) -> int:
        while col in pending:
            cell, left = pending[col]
            row.append(cell)
            if left <= 1:
                del pending[col]
            else:
                pending[col][1] = left - 1
            col += 1
        return col

    for tr in rows:
        row: list[Tag | None] = []
        col = 0
        for cell in tr.find_all(("td", "th"), recursive=False):
            col = carry(row, col)
            rowspan = _span(cell, "rowspan", MAX_ROWSPAN)
            for _ in range(_span(cell, "colspan", MAX_COLS)):
                row.append(cell)
                if rowspan > 1:
                    pending[col] = [cell, rowspan - 1]
                col += 1
            if col > MAX_COLS:
                raise SkipPage(f"table too wide: more than {MAX_COLS} columns")
        carry(row, col)
        grid.append(row)
    return grid


def _inline(blocks: list[Block]) -> str:
    """A cell's paragraphs/items/address lines as one run of text."""
    out = ""
    for block in blocks:
        for line in block.text.split("\n"):
            if not out:
                out = line
            else:
                out += (" " if _RUNS_ON.search(out) else ", ") + line
    return out


def _labelled(header: str, value: str) -> str:
    if not header:
        return value
    return f"{header} {value}" if header.endswith(":") else f"{header}: {value}"


def table_blocks(table: Tag, ctx: WalkContext) -> list[Block]:
    rows, n_head, caption = _own_rows(table)
    if len(rows) > ctx.max_rows:
        raise SkipPage(f"table too large: {len(rows):,} rows (limit {ctx.max_rows:,})")
    inner = WalkContext(base=ctx.base, table_depth=ctx.table_depth + 1, max_rows=ctx.max_rows)
    rendered: dict[int, list[Block]] = {}

    def blocks_of(cell: Tag | None) -> list[Block]:
        if cell is None:
            return []
        if id(cell) not in rendered:
            rendered[id(cell)] = [
                b for b in element_blocks(cell, ctx=inner) if b.kind != "end-group"
            ]
        return rendered[id(cell)]

    grid = _grid(rows)
    if not n_head:  # no <thead>: leading rows made only of <th> are the header
        while (
            n_head < len(grid)
            and grid[n_head]
            and all(c is not None and c.name == "th" for c in grid[n_head])
        ):
            n_head += 1
    n_cols = max((len(r) for r in grid), default=0)
    out: list[Block] = []
    caption_text = _inline(element_blocks(caption, ctx=inner)) if caption else ""
    prefix = ""
    if caption_text and len(caption_text) <= SHORT_CAPTION and n_cols > 1:
        prefix = caption_text + " — "
    elif caption_text:
        out.append(Block("para", caption_text))

    if n_cols <= 1:  # a box of prose: keep its structure
        for row in grid:
            for block in blocks_of(row[0] if row else None):
                kind = "para" if block.kind == "heading" else block.kind
                out.append(Block(kind, block.text, links=block.links, fnrefs=block.fnrefs))
        return out

    headers = [""] * n_cols
    for row in grid[:n_head]:
        for j, cell in enumerate(row):
            text = _inline(blocks_of(cell))
            if text and text not in headers[j].split(" / "):
                headers[j] = f"{headers[j]} / {text}" if headers[j] else text
    group = ""
    for row in grid[n_head:]:
        # a colspan repeats one cell across columns: read it once, under its first column
        cols = [j for j, c in enumerate(row) if c is not None and (j == 0 or c is not row[j - 1])]
        distinct = [row[j] for j in cols]
        values = [(headers[j], _inline(blocks_of(row[j]))) for j in cols]
        links = [lk for c in distinct for b in blocks_of(c) for lk in b.links]
        fnrefs = [n for c in distinct for b in blocks_of(c) for n in b.fnrefs]
        if len(distinct) == 1 and len(row) == n_cols:  # full-width row: a group label
            group = values[0][1]
            if group:
                out.append(Block("para", group, links=links, fnrefs=fnrefs))
            continue
        filled = [(h, v) for h, v in values if v]
        if not filled:
            continue
        if not any(headers) and len(filled) == 2:
            line = f"{filled[0][1]}: {filled[1][1]}"
        else:
            parts = [_labelled(h, v) for h, v in filled]
            line = parts[0] + (" — " + "; ".join(parts[1:]) if len(parts) > 1 else "")
        lead = prefix + (group + " — " if group else "")
        out.append(Block("row", lead + line, links=links, fnrefs=fnrefs))
    return out
