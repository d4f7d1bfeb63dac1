"""The Teams adapter: the only package that imports botbuilder.

``commands`` is plain data (the manifest's command menu is generated from it); the rest
turns Bot Framework activities into Krisebot's replies and domain events.
"""
