"""Matching as a service (政策找企业): runs of the engine over the enterprise profiles, stored results
and notifications (:mod:`.core`), and the profile snapshots built from the sharing registries
(:mod:`.profiles`)."""
