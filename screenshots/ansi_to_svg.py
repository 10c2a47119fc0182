#!/usr/bin/env python3
"""Turn a terminal capture with ANSI colours (tmux capture-pane -e -p) into an SVG image.

Usage: ansi_to_svg.py CAPTURE.txt OUT.svg [COLUMNS]
Only SGR sequences are understood (16/256/true colours, bold, italic, reverse), which is all
tmux emits for a capture.
"""
import html
import re
import sys

BASE16 = ["#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#cccccc",
          "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
DEFAULT_FG, DEFAULT_BG = "#d4d4d4", "#1e1e1e"
CELL_W, CELL_H, FONT = 8.4, 17, 14


def color256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def apply_sgr(state, params):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            state.update(fg=None, bg=None, bold=False, italic=False, reverse=False)
        elif c == 1:
            state["bold"] = True
        elif c == 3:
            state["italic"] = True
        elif c == 7:
            state["reverse"] = True
        elif c == 22:
            state["bold"] = False
        elif c == 23:
            state["italic"] = False
        elif c == 27:
            state["reverse"] = False
        elif 30 <= c <= 37:
            state["fg"] = BASE16[c - 30]
        elif 90 <= c <= 97:
            state["fg"] = BASE16[c - 90 + 8]
        elif 40 <= c <= 47:
            state["bg"] = BASE16[c - 40]
        elif 100 <= c <= 107:
            state["bg"] = BASE16[c - 100 + 8]
        elif c == 39:
            state["fg"] = None
        elif c == 49:
            state["bg"] = None
        elif c in (38, 48) and i + 1 < len(codes):
            key = "fg" if c == 38 else "bg"
            if codes[i + 1] == 5 and i + 2 < len(codes):
                state[key] = color256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                state[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                i += 4
        i += 1


def parse(lines):
    rows = []
    state = dict(fg=None, bg=None, bold=False, italic=False, reverse=False)
    for line in lines:
        cells = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line.rstrip("\n")):
            m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
            if m:
                apply_sgr(state, m.group(1))
                continue
            for ch in part:
                cells.append((ch, dict(state)))
        rows.append(cells)
    return rows


def render(rows, columns):
    width, height = columns * CELL_W, len(rows) * CELL_H
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}">',
           f'<rect width="100%" height="100%" fill="{DEFAULT_BG}"/>']
    for y, cells in enumerate(rows):
        for x, (ch, st) in enumerate(cells):
            fg, bg = st["fg"] or DEFAULT_FG, st["bg"]
            if st["reverse"]:
                fg, bg = bg or DEFAULT_BG, fg
            if bg:
                out.append(f'<rect x="{x * CELL_W:.1f}" y="{y * CELL_H}" width="{CELL_W + 0.2:.1f}" '
                           f'height="{CELL_H}" fill="{bg}"/>')
            if ch != " ":
                style = (' font-weight="bold"' if st["bold"] else "") + (' font-style="italic"' if st["italic"] else "")
                out.append(f'<text x="{x * CELL_W:.1f}" y="{y * CELL_H + CELL_H - 4}" fill="{fg}"{style}>'
                           f'{html.escape(ch)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    source, target = sys.argv[1], sys.argv[2]
    columns = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    with open(source, encoding="utf-8") as f:
        rows = parse(f.readlines())
    with open(target, "w", encoding="utf-8") as f:
        f.write(render(rows, columns))


if __name__ == "__main__":
    main()
