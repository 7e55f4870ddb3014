"""Outcomes: goals a session may reach, predicted while it runs and recorded once reached.

Read in the order an outcome travels:

1. `definitions`: what an outcome is, and the checks an admin's definition passes
   (`resolvers/outcomes.py` defines them, `schema/outcomes.py` shows them).
2. `catalog`: the outcomes and their trained models held in the process.
3. `features`: the prediction features kept on a session and its items as events are
   ingested.
4. `stage`: the pipeline stage that records an achievement (an OUTCOME_ACHIEVED item)
   and scores every active outcome for each session a batch touches, with `progress`:
   the model's probability, the transparent fallback, or 1 once achieved.
5. `training`: fitting each outcome's model on stored journeys, on demand and on a
   schedule one instance at a time carries out.

The models themselves, free of storage and the pipeline, are in `prediction`. Outcomes
and segments are both versioned definitions and share how they are stored, cached,
matched and edited: `journey/definitions.py`, `journey/versioned_catalog.py`,
`journey/matching.py`, `storage/definitions.py` and `resolvers/definitions.py`; stored
in `storage/outcomes.py`.
"""
