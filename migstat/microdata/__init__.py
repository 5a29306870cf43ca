"""Tabulating census, survey and register records into the standard tables, with survey
variances (``survey``, ``replicates``) and disclosure control on the way out."""
