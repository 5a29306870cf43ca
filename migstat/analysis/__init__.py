"""Analysis: mirror statistics, harmonisation, flows from stocks and migration indices."""
