"""Settings package: base (shared), local (default), test, production; all read the environment."""
