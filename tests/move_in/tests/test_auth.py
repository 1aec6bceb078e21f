from flask import g, session


def test_login(client, auth):
    assert client.get("/auth/login").status_code == 200
    assert auth.login().location == "/"
    with client:
        client.get("/")
        assert session["user_id"] == 1
        assert g.user["username"] == "test"


def test_a_wrong_password_is_refused(auth):
    response = auth.login(password="wrong")
    assert "Incorrect username or password." in response.get_data(as_text=True)


def test_logout(client, auth):
    auth.login()
    with client:
        client.get("/auth/logout")
        assert "user_id" not in session
