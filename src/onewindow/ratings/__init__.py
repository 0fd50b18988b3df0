"""好差评: every service rated, every real-name 差评 called back and rectified (through rectification)."""
