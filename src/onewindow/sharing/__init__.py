"""Shared data (数据共享): registries of enterprises, persons, credit and e-licences, and the
providers that prefill forms and verify conditions from them. Every read is logged."""
