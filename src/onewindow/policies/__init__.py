"""惠企政策 (政策找企业 · 免申即享): the policy library, the rule language, matching at province
scale, 免申即享 disbursements and applying for awards.

Its parts import one way (tests/test_layering.py): rules ← engine ← library ← matching ←
disbursement ← pages, with the models, :mod:`.access` and the facade at the top.

- :mod:`.rules`: the rule language (typed against :mod:`.rules.profile`, industries from
  :mod:`.rules.industries`), amounts, and rules as people read them (:mod:`.rules.readable`);
- :mod:`.engine`: the batch engine (shared atoms as bitsets, groups, budgets, explanations);
- :mod:`.library`: the library (:mod:`.library.core`), YAML/xlsx (:mod:`.library.transfer` through
  :mod:`.library.validate`), test cases (:mod:`.library.testcases`);
- :mod:`.matching`: stored results and incremental runs, enterprise profiles from the sharing
  registries (:mod:`.matching.profiles`, Parquet snapshots);
- :mod:`.disbursement`: payments (:mod:`.disbursement.core`), applying through the case machinery
  (:mod:`.disbursement.applying`);
- :mod:`.pages`: public, officer and batch pages; who may do what: :mod:`.access`;
- the package's facade for other packages and pages: :mod:`.service`.

docs/policies.md describes the library file and the behaviour.
"""

# The enterprise profile every rule is typed against, public: its columns and vocabularies are the shape
# that registries and generators (demo/) must produce. Re-exported here rather than from `schemas`, so
# a generator does not load the API models with it; rules.profile is plain Python and cheap to import.
from onewindow.policies.rules.profile import CERTIFICATIONS, FLAGS, PROFILE_SCHEMA, TAX_CREDIT_GRADES

__all__ = ["CERTIFICATIONS", "FLAGS", "PROFILE_SCHEMA", "TAX_CREDIT_GRADES"]
