"""Segments: groups of visitors with something in common, matched as events arrive.

Read in the order a segment travels:

1. `definitions`: what a segment is, and the checks an admin's definition passes
   (`resolvers/segments.py` defines them, `schema/segments.py` shows them).
2. `catalog`: the segments held in the process, compiled into rules, and the ones a
   caller may see.
3. `stage`: the pipeline stage that advances each session's counts toward every active
   segment and, when one holds, records the assignment on the session (and on the
   customer for customer scope) and a SEGMENT_MATCHED item on the journey map.

Segments and outcomes are both versioned definitions and share how they are stored,
cached, matched and edited: `journey/definitions.py`, `journey/versioned_catalog.py`,
`journey/matching.py`, `storage/definitions.py` and `resolvers/definitions.py`; stored
in `storage/segments.py`.
"""
