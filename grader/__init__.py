"""backprop-katas grader: runs hidden checks against a learner's kata files in a sandbox.

Also an IPython extension: `%load_ext grader` adds the `%kata` magic (grader.notebook.magics).
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    from grader.notebook.magics import load

    load(ipython)


def unload_ipython_extension(ipython):
    from grader.notebook.magics import unload

    unload(ipython)
