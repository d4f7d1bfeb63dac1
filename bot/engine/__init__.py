"""The engine: runs actions against crises, records their events, and carries out their commands."""
