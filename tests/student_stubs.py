"""What a student copy's exercise looks like to a checker, and how a checker's failure reads.

(nst_helpers.cli.teach writes the stubs.)
"""


def stub(name, message):
    """A function like a student copy's: its body only raises NotImplementedError(message)."""

    def function(*args):
        raise NotImplementedError(message)

    function.__name__ = name
    return function


def assert_first_failure(out, words, call=""):
    """One failure, reported as: ✗ the input / expected / got / likely mistake, naming ``words``."""
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 4, out
    assert lines[0].startswith(f"✗ {call}"), out
    assert lines[1].startswith("  expected: ") and lines[2].startswith("  got:      ")
    assert lines[3].startswith("  likely mistake: ")
    assert words in out, out
