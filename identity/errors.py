"""The error raised when a client sends an identity value that cannot be used."""


class InvalidIdentity(ValueError):
    """A client-supplied identity value that cannot recognise a visitor.

    ``field`` names the GraphQL input field so the API can point at it;
    ``reason`` is a sentence fit to show the client.
    """

    field: str
    reason: str

    def __init__(self, field: str, reason: str) -> None:
        # Both go into args so the exception survives pickling and copying.
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"
