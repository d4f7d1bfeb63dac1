"""Microsoft Graph through msgraph-sdk: the client and its credential, users, app installation, throttling.

Every call goes through ``graph_call``: bounded in time, and failing only with the channel
errors of ``bot.errors`` (``TransientError``, ``PermanentError``).
"""
