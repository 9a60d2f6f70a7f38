from ansible_collections.drkit.mysql.plugins.module_utils.text_table import markdown_table, text_table


def test_text_table_aligns_columns_and_shows_none_as_dash():
    table = text_table(["HOST", "LAG"], [["db-primary", None], ["dr", 12]])
    assert table.splitlines() == ["HOST        LAG", "----------  ---", "db-primary  -", "dr          12"]


def test_markdown_table_escapes_pipes():
    assert markdown_table(["a", "b"], [["x|y", 1]]).splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]
