"""The policy library: versioned policies and award items, dated parameters, exclusivity groups
(:mod:`.core`); the library file as a document (:mod:`.documents`), read and written as YAML/xlsx
(:mod:`.transfer`), checked by the one validator (:mod:`.validate`, values in :mod:`.values`), and the
policy test cases (:mod:`.testcases`)."""
