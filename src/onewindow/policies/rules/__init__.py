"""The rule language of 惠企政策: parsing, type checking against the enterprise profile schema
(:mod:`.profile`, industries from :mod:`.industries`), dated parameters, exact arithmetic, evaluation
for one enterprise (with reasons) and over Polars frames, award amounts, and the rules as people read
them (:mod:`.readable`). Imports nothing else of the policies package."""
