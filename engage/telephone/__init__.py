"""Telephone interviews: call lists, calls and their outcomes, the interview screen."""
