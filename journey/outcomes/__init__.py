"""Outcomes: goals a session may reach, predicted while it runs and recorded once reached.

- definitions: what an outcome is and the checks an admin's definition passes
- catalog: the outcomes and their trained models held in the process
- features: the prediction features kept as a session's events are ingested
- progress: how close a session is to each outcome
- stage: the pipeline stage that records achievements and scores sessions
- training: fitting each outcome's model on stored journeys, on demand and on a schedule

The models themselves, free of storage and the pipeline, are in `prediction`.
"""
