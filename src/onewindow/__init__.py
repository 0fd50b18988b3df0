"""OneWindow (一窗通): one window and one network for a city's administrative services."""

__version__ = "0.1.0"
