"""What a deployment id may look like. Checked before an id from a browser reaches any
cache, rate-limit bucket or database look-up, so random ids cannot grow them."""

from __future__ import annotations

import re
from typing import Any

MAX_LENGTH = 64
_DEPLOYMENT_ID = re.compile(rf"[a-z0-9_-]{{1,{MAX_LENGTH}}}")
RULE = f"must be 1 to {MAX_LENGTH} of a-z, 0-9, - and _"


def is_deployment_id(value: Any) -> bool:
    return isinstance(value, str) and _DEPLOYMENT_ID.fullmatch(value) is not None
