"""Identify: how an anonymous visitor becomes a known customer, and stops being one.

Read in the order an identify event travels:

1. `events`: the `identify` and `logout` event types. Identities (email, phone, external
   id) are read from the event's traits and normalised by the top-level `identity`
   package; the journey item says how the visitor identified, never the values.
2. `verification`: which identities a browser proved with the site's signature and
   which stay unverified claims, as the deployment's verification mode says.
3. `acting`: once the batch is stored (`journey.ingest`), an identify or logout acts,
   and is marked as having acted, so a batch cut off in between acts on its retry.
4. `stitching`: what acting does. Identify ties identities to the customer, merging an
   anonymous one into the known customer (a conflict is recorded, never merged
   silently); logout moves the browser to a new anonymous customer. Admins merge,
   split, erase and export customers through it too (`resolvers/customers.py`).

Stored in `storage/identities.py`, `storage/customers.py`, `storage/merges.py` and, for
erasing and exporting, `storage/customer_data.py`.
"""
