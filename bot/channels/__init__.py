"""Paging channels behind one Protocol: Teams cards, the Teams activity feed, mail (and SMS)."""
