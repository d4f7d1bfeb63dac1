"""Rendering: cards from templates, texts in Danish and English."""
