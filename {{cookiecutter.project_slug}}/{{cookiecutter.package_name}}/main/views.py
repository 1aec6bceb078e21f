from flask import render_template

from . import bp


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")
