from myblog import create_app


def test_testing_is_on_with_the_test_config(tmp_path):
    database = str(tmp_path / "blog.sqlite")
    assert create_app({"TESTING": True, "DATABASE": database}).testing
