"""The errors a client is answered with: its own mistake, which names the field at fault,
or a refusal to take work now, which says when to send the same request again."""

import math


def retry_after_seconds(delay: float) -> int:
    """A delay as Retry-After gives it: whole seconds, at least one."""
    return max(1, math.ceil(delay))


class InvalidInput(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class Unavailable(Exception):
    """Nothing of the request is confirmed; sent again after retry_after seconds, the
    same request (same event ids) can succeed and completes anything this attempt began."""

    CODE = "UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        # GraphQL errors carry these as their extensions.
        self.extensions = {"code": self.CODE, "retryAfter": retry_after}
