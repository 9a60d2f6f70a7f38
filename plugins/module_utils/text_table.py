"""Plain-text tables for people reading a terminal or a Markdown report."""


def text_table(headers, rows):
    """Left-aligned columns separated by two spaces, a dashed rule under the header."""
    cells = [[("-" if value is None else str(value)) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))

    def line(values):
        return "  ".join(value.ljust(widths[index]) for index, value in enumerate(values)).rstrip()

    out = [line(headers), line(["-" * width for width in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def markdown_table(headers, rows):
    """A GitHub-flavoured Markdown table; pipes inside cells are escaped."""
    def cell(value):
        return ("-" if value is None else str(value)).replace("|", "\\|")

    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for header in headers) + "|"]
    out.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(out)
