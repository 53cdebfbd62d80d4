"""The HTML report made fit for a cell's output.

The report is a whole page whose style sheet sets `body`, `:root`, `*`, `code`
and `pre`: dropped into a notebook as it is, it would restyle the notebook
itself. Here its body goes into one `<div class="kata-report">` and every rule of
its style sheet is scoped to that element. A page this cannot take apart is shown
in an `<iframe srcdoc>` instead, which isolates it at the cost of a fixed height.
"""
from __future__ import annotations

import html as html_lib
import re

SCOPE = ".kata-report"
_PAGE_ROOTS = (":root", "html", "body")


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside parentheses and brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _scope_selector(selector: str, scope: str) -> str:
    selector = selector.strip()
    for root in _PAGE_ROOTS:
        if selector == root:
            return scope
        if selector.startswith(root + " ") or selector.startswith(root + ">"):
            return scope + selector[len(root):]
    if selector == "*":
        return f"{scope}, {scope} *"
    return f"{scope} {selector}"


def scope_css(css: str, scope: str = SCOPE) -> str:
    """Every rule of `css` limited to elements inside `scope`. `@media` and `@supports`
    blocks are scoped inside; other at-rules (`@keyframes`, `@font-face`) stay as they are."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out, i = [], 0
    while True:
        brace = css.find("{", i)
        if brace < 0:
            break
        head = css[i:brace].strip()
        depth, j = 1, brace + 1
        while j < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        body = css[brace + 1:j - 1]
        if head.startswith(("@media", "@supports", "@container", "@layer")):
            out.append(f"{head} {{\n{scope_css(body, scope)}\n}}")
        elif head.startswith("@"):
            out.append(f"{head} {{{body}}}")
        elif head:
            selectors = ", ".join(_scope_selector(s, scope) for s in _split_top(head, ",") if s.strip())
            out.append(f"{selectors} {{{body}}}")
        i = j
    return "\n".join(out)


def for_cell(page: str, height_px: int = 640) -> str:
    """The report page as a fragment for a cell's output (see the module docstring)."""
    styles = re.findall(r"<style[^>]*>(.*?)</style>", page, flags=re.S | re.I)
    body = re.search(r"<body[^>]*>(.*)</body>", page, flags=re.S | re.I)
    if body is None:
        return (f'<iframe srcdoc="{html_lib.escape(page, quote=True)}" '
                f'style="width: 100%; height: {height_px}px; border: 0"></iframe>')
    css = "\n".join(scope_css(s) for s in styles)
    css += f"\n{SCOPE} .cmd::before {{ content: none; }}"  # commands are typed in a cell here, not after a $
    return f'<style>\n{css}\n</style>\n<div class="{SCOPE[1:]}">\n{body.group(1).strip()}\n</div>\n'
