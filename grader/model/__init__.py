"""The results of a grade, the named mistakes and the scoring: plain data that every
other layer shares and that depends on nothing else in the package."""
