"""Teaching: everything that shows backprop to a student or checks a student's work.

- `steps`: the backward pass one node at a time (`Stepper`), as text, LaTeX and an HTML page.
- `quiz`: the page's quiz mode.
- `judge`: when an answer counts as right (one tolerance for every check).
- `handcheck`, `exercise`, `grade`: checking a derivative worked out by hand, one answer or a class.
- `slips`: naming the likely slip behind a wrong answer.
- `expr`: the expressions `deltagrad trace` reads.
- `check_engine`: checking an engine a student wrote against deltagrad, with shrunk counterexamples.
"""
