"""Shared data (数据共享): registries of enterprises, persons, credit and e-licences, and the
providers that prefill forms and verify conditions from them. Every read is logged.

The public face (tests/test_import_contract.py), for the packages above:

- :mod:`.service`: every call — subjects, prefill and verification, credit, enterprise look-ups by id
  or USCC, and the e-licence registry calls `licences` issues and revokes through (implemented in
  :mod:`.licence_store`). The registry row types its calls return (``Enterprise``, ``Licence``,
  ``CreditRecord``) may be named through it in type annotations; those rows are for reading — a
  change goes through a service call, which checks, audits and logs it.
- :mod:`.schemas`: API shapes.
- :mod:`.views`: read-only SQL views of enterprises and credit records with documented columns, for
  set-based queries over the whole registry (policy matching at province scale, batch listings), where
  a call per row would be far too slow.

:mod:`.models` is not public: only sharing writes the registries' tables.
"""

__all__ = ["schemas", "service", "views"]
