"""惠企政策: policy library, rule language, matching and 免申即享 disbursements.

So far: the enterprise profile schema (:mod:`.profile`), the GB/T 4754 industry hierarchy
(:mod:`.industries`) and the rule language (:mod:`.rules`).
"""
