"""Paying awards: 免申即享 disbursement batches and the award ledger (:mod:`.core`), and applying for an
award through the case machinery (:mod:`.applying`)."""
