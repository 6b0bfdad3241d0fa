"""The tests, a package: shared helpers are imported as tests.sandbox_helpers, tests.sim_helpers, tests.ui.helpers."""
