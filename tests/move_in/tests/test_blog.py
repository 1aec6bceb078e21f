from myblog.db import get_db


def test_index_shows_the_posts_in_the_apps_own_layout(client):
    page = client.get("/").get_data(as_text=True)
    assert "first post" in page
    assert "by other" in page
    assert "Log in" in page
    assert 'href="/static/style.css"' in page


def test_the_stylesheet_is_served(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert b"font-family" in response.data
    response.close()


def test_creating_a_post_needs_a_login(client, auth):
    assert client.post("/create", data={"body": "x"}).location == "/auth/login"
    auth.login()
    assert client.post("/create", data={"body": "second post"}).location == "/"
    assert "second post" in client.get("/").get_data(as_text=True)


def test_a_missing_post_is_a_404_that_says_which(client, auth):
    auth.login()
    response = client.post("/99/delete")
    assert response.status_code == 404
    assert "Post 99 doesn&#39;t exist." in response.get_data(as_text=True)


def test_only_the_author_deletes_a_post(app, client, auth):
    auth.login()
    assert client.post("/1/delete").status_code == 403
    client.post("/create", data={"body": "mine"})
    assert client.post("/2/delete").status_code == 302
    with app.app_context():
        count = get_db().execute("SELECT COUNT(*) FROM post").fetchone()[0]
    assert count == 1
