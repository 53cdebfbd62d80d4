"""From notebook cells to a learner module: IPython syntax out, and the slice of cells a
kata's functions need. Pure code reading: nothing here runs a kernel or grades."""
from __future__ import annotations

import ast
import json

import pytest

from grader.notebook.cells import Cell, clean, defines, module_source
from grader.notebook.display import for_cell, scope_css


def compiles(source: str) -> bool:
    compile(source, "<module>", "exec")
    return True


@pytest.mark.parametrize("line", [
    "%matplotlib inline", "!pip install numpy", "files = !ls", "t = %timeit -o f()", "np.sum?", "??np.sum",
    "%load_ext grader", "%kata grade part2", "%pip install 'backprop-katas[notebook]'",
])
def test_every_kind_of_escape_becomes_pass(line):
    assert clean(line) == "pass"
    assert clean("    " + line) == "    pass"


def test_cleaning_keeps_python_and_line_numbers():
    source = ('import numpy as np\n'
              'def f(x):\n'
              '    %time y = x\n'
              '    doc = """\n'
              '%not a magic inside a string\n'
              '!nor this\n'
              '"""\n'
              '    return (x !=\n'
              '            2)\n'
              'z = 1 if a != b else 2  # a comment?\n')
    out = clean(source)
    assert out.split("\n")[2] == "    pass"
    assert "%not a magic inside a string" in out and "!nor this" in out and "(x !=" in out
    assert out.count("\n") == source.count("\n") and compiles(out)


def test_cell_magics_keep_a_python_body_and_drop_the_rest():
    assert compiles(clean("%%time\ndef f():\n    return 1\n")) and "def f" in clean("%%time\ndef f():\n    return 1")
    assert clean("%%bash\necho hi\n") == ""
    assert clean("%%writefile helper.py\nx = 1\n") == ""


def test_an_escape_continued_with_a_backslash_is_dropped_whole():
    out = clean("!echo a \\\n   b\nx = 1")
    assert out.split("\n") == ["pass", "", "x = 1"]


NOTEBOOK = [
    Cell("In [1]", "import numpy as np, torch\nimport matplotlib.pyplot as plt\nEPS = 1e-12\n"
                   "CONFIG = {}\nCONFIG['k'] = 2\n"),
    Cell("In [2]", "def helper(z):\n    return np.exp(z) + EPS * CONFIG['k']\nprint(helper(np.ones(2)))\n"
                   "plt.plot([1])\n"),
    Cell("In [3]", "def linear_forward(A, W, b):\n    return helper(A @ W + b)\n\n"
                   "def linear_backward(dZ, A, W):\n    return dZ @ W.T, A.T @ dZ, dZ.sum(0)\n"
                   "demo = linear_forward(np.ones((2, 2)), np.ones((2, 2)), np.ones(2))\n%kata grade part2\n"),
    Cell("In [4]", "while True:\n    pass\n"),
    Cell("In [5]", "X = torch.ones(3)\ndef linear_backward(dZ, A, W):\n    return 2 * dZ, A, W\n"),
    Cell("In [6]", "%%bash\necho hi\n"),
]
PART2 = ["linear_forward", "linear_backward"]


def test_the_slice_takes_defining_cells_whole_and_only_what_they_use_elsewhere():
    source = module_source(NOTEBOOK, PART2, origin="work.ipynb")
    assert compiles(source)
    assert "import numpy as np, torch\n" in source   # In [5], taken whole below, uses torch
    assert "EPS = 1e-12" in source and "CONFIG['k'] = 2" in source       # a helper's constant, and its update
    assert "def helper" in source and "print(helper" not in source and "plt" not in source
    assert "demo = linear_forward" in source                              # the defining cell, whole
    assert "while True" not in source                                     # a cell nothing needs
    # The latest definition of linear_backward is in In [5]: that cell is taken whole, torch and all.
    assert "# --- In [5] ---" in source and "return 2 * dZ, A, W" in source
    assert source.index("# --- In [3]") < source.index("# --- In [5]")


def test_the_live_definition_wins_over_a_later_one_that_never_took_effect():
    live = {"linear_backward": "def linear_backward(dZ, A, W):\n    return dZ @ W.T, A.T @ dZ, dZ.sum(0)\n"}
    source = module_source(NOTEBOOK, PART2, live=live)
    assert "# --- In [5]" not in source and "torch" not in source and "import numpy as np\n" in source


def test_names_used_at_the_top_level_are_taken_as_they_were_then():
    cells = [Cell("c1", "SCALE = 1"), Cell("c2", "FACTOR = SCALE * 2"), Cell("c3", "SCALE = 100"),
             Cell("c4", "def relu_forward(Z):\n    return Z * FACTOR\ndef relu_backward(dH, Z):\n    return dH")]
    source = module_source(cells, ["relu_forward", "relu_backward"])
    namespace = {}
    exec(compile(source, "m", "exec"), namespace)
    assert namespace["FACTOR"] == 2 and "SCALE = 100" not in source


def test_a_function_body_sees_the_latest_binding_and_a_later_helper():
    cells = [Cell("c1", "def relu_forward(Z):\n    return g(Z) + K\ndef relu_backward(dH, Z):\n    return dH"),
             Cell("c2", "K = 1"), Cell("c3", "def g(z):\n    return z"), Cell("c4", "K = 5")]
    namespace = {}
    exec(compile(module_source(cells, ["relu_forward", "relu_backward"]), "m", "exec"), namespace)
    assert namespace["relu_forward"](1) == 6


def test_classes_imports_with_aliases_and_future_imports():
    cells = [Cell("c1", "from __future__ import annotations\nimport numpy as np, os.path as osp, json"),
             Cell("c2", "class Linear:\n    scale: float = 1.0\n    def forward(self, x: np.ndarray):\n"
                        "        return json.dumps(x)\n"),
             Cell("c3", "def mlp_gradients(X, y, params):\n    return Linear()\n")]
    source = module_source(cells, ["Linear", "mlp_gradients"])
    tree = ast.parse(source)
    assert isinstance(tree.body[0], ast.ImportFrom) and tree.body[0].module == "__future__"
    assert "import numpy as np, json" in source and "osp" not in source


def test_a_cell_that_does_not_parse_is_kept_only_where_it_defines_a_function():
    cells = [Cell("c1", "import numpy as np"), Cell("c2", "def relu_forward(Z)\n    return Z"),
             Cell("c3", "x = (")]
    source = module_source(cells, ["relu_forward", "relu_backward"], keep_broken=True)
    assert "def relu_forward(Z)\n" in source and "x = (" not in source
    with pytest.raises(SyntaxError):
        compile(source, "m", "exec")
    assert "def relu_forward" not in module_source(cells, ["relu_forward"], keep_broken=False)
    assert defines(cells, ["relu_forward"]) and not defines(cells, ["mlp_forward"])


def test_statements_sharing_a_line_are_taken_one_by_one():
    cells = [Cell("c1", "import numpy as np; import torch"),
             Cell("c2", "def relu_forward(Z):\n    return np.maximum(Z, 0)")]
    source = module_source(cells, ["relu_forward"])
    assert "import numpy as np" in source and "torch" not in source


def test_the_report_is_scoped_to_its_cell():
    css = scope_css(":root { --x: 1 } * { box-sizing: border-box } body { margin: 0 } h1, .a > b { c: d }"
                    " @media (max-width: 600px) { .k { e: f } } @keyframes spin { from { g: h } }")
    assert ".kata-report { --x: 1 }" in css and ".kata-report, .kata-report * {" in css
    assert ".kata-report { margin: 0 }" in css and ".kata-report h1, .kata-report .a > b {" in css
    assert "@media (max-width: 600px) {\n.kata-report .k" in css and "@keyframes spin { from { g: h } }" in css
    fragment = for_cell("<html><head><style>body { margin: 0 }</style></head><body><main>hi</main></body></html>")
    assert fragment.startswith("<style>") and '<div class="kata-report">\n<main>hi</main>' in fragment
    assert "<body" not in fragment and "<html" not in fragment
    assert for_cell("no page at all").startswith("<iframe srcdoc=")


def test_the_shipped_html_report_scopes_every_rule(tmp_path):
    from grader import reporting
    from grader.model.results import GradeReport, KataResult

    page = reporting.render(GradeReport([KataResult("part2", "linear-backward", "Linear")], 1, "ws"), "html")
    fragment = for_cell(page)
    css = fragment.split("<style>")[1].split("</style>")[0]
    rules = [r.split("{")[0].strip() for r in css.split("}") if "{" in r]
    selectors = [s.strip() for r in rules if not r.startswith("@") for s in r.split(",")]
    assert selectors and all(s.startswith(".kata-report") for s in selectors if s), selectors
    json.dumps(fragment)
