"""Complaints report pipeline: extract → normalise → validate → load."""
