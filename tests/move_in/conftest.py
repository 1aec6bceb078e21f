# An app's own checkout, for test_move_in.py to move into generated projects: its
# tests run there, after the move, not in the template's suite.
collect_ignore = ["myblog", "tests"]
