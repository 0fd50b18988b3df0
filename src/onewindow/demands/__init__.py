"""诉求 · 接诉即办: intake from every channel, 直办 or 派单, handling with deadlines, callback, 督办.
Other packages use ``service`` and ``schemas`` only."""
