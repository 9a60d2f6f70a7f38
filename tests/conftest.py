"""Make ``ansible_collections.drkit.mysql`` importable from this checkout.

The repository root *is* the collection; Python needs it under
``ansible_collections/drkit/mysql``.  ``make`` creates that link in
``.collections``; this does the same when pytest is run directly.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "drkit", "mysql")

if not os.path.lexists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
