"""Indicators (营商环境监测指标): definitions as data, figures computed from the records, reports."""

__all__ = ["periods", "reports"]  # the period arithmetic and the reports, for the demo loader above
