"""The mock onsite, `kata interview`, and the review schedule, `kata review`.

- content.py   the interview's content as data: clarifying questions, shape prompts,
               follow-ups (katas/interview.toml and katas/<id>/interview.toml)
- spoken.py    reading a shape said aloud ("B,H", "64,256", "scalar") and a follow-up answer
- clock.py     the time, real or (for tests) read from a file
- record.py    the interview in progress and the finished ones, in the workspace's record
- run.py       one interview from start to scorecard, with the terminal passed in
- scorecard.py the scorecard (grader.model.interview) from a grade and the record
- review.py    the Leitner schedule from the learner's record; `kata list`'s extra columns
- probe.py     `kata validate`'s shape check: the reference's tensors, in a child process
- validate.py  `kata validate`'s rows for the interview content

It sits above grading (it grades through `GradingSession`) and below the cli.
"""
