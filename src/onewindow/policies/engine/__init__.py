"""The batch matching engine: award items compiled from the library (:mod:`.core`), matched against
every enterprise at once with shared atoms as bitsets, exclusivity groups, budgets and explanations.
Built on :mod:`..rules` only."""
