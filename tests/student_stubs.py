"""What a student copy's exercise looks like to a checker (nst_helpers.cli.teach writes the stubs)."""


def stub(name, message):
    """A function like a student copy's: its body only raises NotImplementedError(message)."""

    def function(*args):
        raise NotImplementedError(message)

    function.__name__ = name
    return function
