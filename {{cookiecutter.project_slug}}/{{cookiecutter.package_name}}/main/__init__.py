"""The starter page: one piece, replaced by the app's own (the README says how)."""

from flask import Blueprint, render_template

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    return render_template("main/index.html")
