"""The single error raised for an invalid condition definition."""


class RuleDefinitionError(ValueError):
    """A condition definition is invalid.

    ``path`` names the offending part, e.g. ``conditions[1].operator``, so an API
    can point the user at the exact input to fix; ``str(error)`` reads
    ``"conditions[1].operator: unknown operator 'LIKE'"``.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self):
        # The default reduce replays ``args`` (the formatted text) into __init__,
        # which takes two arguments; without this the error cannot cross processes.
        return type(self), (self.path, self.message)
