"""Notebooks: grading code written in Jupyter, IPython or Colab through the same sandbox as a file.

    cells.py     from notebook cells to one learner module: IPython syntax out, then
                 the cells that define the kata's functions plus what they use (reads code, never runs it)
    reader.py    a `.ipynb` file's code cells, read safely with nbformat
    sources.py   which notebook holds a kata, and its `Snapshot` for the grading session
    runner.py    `python -m grader.notebook.runner`: grades cells sent by the kernel, in its own process
    magics.py    the IPython extension: `%load_ext grader`, then `%kata grade part2`, `%kata hint`, ...
    scaffold.py  `kata init --notebook`: one notebook per kata, or one for the core question

Nothing here imports nbformat or IPython until a notebook is actually read or a
kernel loads the extension, so a plain `kata grade` pays for neither.
"""
