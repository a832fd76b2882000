"""Shared test settings. Hypothesis draws few examples by default so the op suite stays fast on
a 2-core CI machine; HYPOTHESIS_PROFILE=thorough searches much harder (run it locally)."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=10, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
