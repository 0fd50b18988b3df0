"""惠企政策 (政策找企业 · 免申即享): the policy library, the rule language, matching at province
scale, 免申即享 disbursements and applying for awards.

- library: :mod:`.library`, :mod:`.transfer` (YAML/xlsx through :mod:`.validate`), :mod:`.testcases`;
- rule language: :mod:`.rules` (typed against :mod:`.profile`, industries from :mod:`.industries`),
  amounts in :mod:`.amounts`;
- enterprise profiles from the sharing registries: :mod:`.profiles` (Parquet snapshots);
- the batch engine: :mod:`.engine` (shared atoms as bitsets, groups, budgets, explanations);
- stored results and incremental runs: :mod:`.matching`; payments: :mod:`.disbursement`;
  applying through the case machinery: :mod:`.applying`; who may do what: :mod:`.access`;
- the package's facade for other packages and pages: :mod:`.service`.

docs/policies.md describes the library file and the behaviour.
"""
