"""The chaos drill of issue 14 §3: the whole stack under SIGKILLs, counted at the SMPP peer."""
