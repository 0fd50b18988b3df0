"""整改台账: a general rectification ledger other domains open items in (ratings now; 办不成事, inspections,
indicators later). Other packages use `service` only."""
