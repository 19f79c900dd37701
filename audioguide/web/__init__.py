"""The LAN bridge: a page and a podcast feed over the output folder, builds from the phone.

No logic of its own: it lists what builds wrote and runs the pipeline's overrides and build.
"""

from audioguide.web.app import ServeConfig, create_app, new_token

__all__ = ["ServeConfig", "create_app", "new_token"]
