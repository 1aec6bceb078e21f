"""Trust exactly the proxies in front of the app, and no one else.

Behind a proxy every request comes from the proxy's address unless the app believes
the X-Forwarded-For header, which any client can also send. PROXY_FIX_X_FOR and
PROXY_FIX_X_PROTO say how many proxies set these headers (0: trust none).
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_proxy_fix(app: Flask) -> None:
    x_for = int(app.config["PROXY_FIX_X_FOR"])
    x_proto = int(app.config["PROXY_FIX_X_PROTO"])
    if x_for or x_proto:
        # Wrapping wsgi_app, as Flask's documentation does, keeps `app` the app.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=x_for, x_proto=x_proto
        )
