"""Forms: a form submitted or abandoned on the site, keeping only the fields allowed.

Read in the order a form event travels:

1. `events`: the `form_submitted` and `form_abandoned` event types; the fields as sent,
   and what is never kept whatever a deployment allows (passwords, card numbers).
2. `stage`: the pipeline stage that keeps only the fields the event's deployment
   allow-lists, before anything reads or stores them.

A deployment's allow-list is set with it (`journey/deployments.py`), whose check refuses
a sensitive field name by the same rule.
"""
