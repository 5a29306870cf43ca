"""The demo clearing-house: real published data plus synthetic questionnaires."""
