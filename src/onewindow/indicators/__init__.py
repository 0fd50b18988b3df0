"""Indicators (营商环境监测指标): definitions as data, figures computed from the records, reports."""
