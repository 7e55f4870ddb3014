"""Engagements: what an agent or the system offered a visitor on a page, and the answer.

Read in the order an engagement step travels:

1. `events`: the `engagement` event type, sent by the snippet or by the
   `recordEngagement` mutation (`resolvers/engagements.py`); its media, its states,
   which state may follow which, and the icon of each media and state.
2. `stage`: the pipeline stage that keeps each engagement's state on its session,
   refuses a step that may not follow the last one, ties the step to the page the
   visitor was on, and times the visitor's answer to an offer.

The journey item carries the step in `engagement` (schema/journey_detail.py shows it).
"""
