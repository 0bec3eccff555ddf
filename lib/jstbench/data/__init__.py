"""Stage 2, data: the store (units register, observations) and everything that fills it: the registry of readers,
participants, the demo generator."""
