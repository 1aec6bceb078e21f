from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from .auth import login_required
from .db import get_db

bp = Blueprint("blog", __name__)


@bp.route("/")
def index():
    posts = (
        get_db()
        .execute(
            "SELECT p.id, body, username FROM post p JOIN user u ON p.author_id = u.id"
            " ORDER BY p.id DESC LIMIT ?",
            (current_app.config["POSTS_PER_PAGE"],),
        )
        .fetchall()
    )
    return render_template("blog/index.html", posts=posts)


@bp.route("/create", methods=("POST",))
@login_required
def create():
    db = get_db()
    db.execute(
        "INSERT INTO post (author_id, body) VALUES (?, ?)",
        (g.user["id"], request.form["body"]),
    )
    db.commit()
    return redirect(url_for("blog.index"))


@bp.route("/<int:id>/delete", methods=("POST",))
@login_required
def delete(id):
    db = get_db()
    post = db.execute("SELECT author_id FROM post WHERE id = ?", (id,)).fetchone()
    if post is None:
        abort(404, f"Post {id} doesn't exist.")
    if post["author_id"] != g.user["id"]:
        abort(403)
    db.execute("DELETE FROM post WHERE id = ?", (id,))
    db.commit()
    return redirect(url_for("blog.index"))
