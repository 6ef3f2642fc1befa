"""Personal data (UU 27/2022): export, erasure and pseudonymisation of mention authors."""
