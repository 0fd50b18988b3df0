"""E-licences (电子证照): issuing from result templates, SM2/SM3 signatures, verification, QR codes."""
