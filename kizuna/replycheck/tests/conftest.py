"""Print the corpus precision/recall table at the end of every run of these tests."""

from kizuna.replycheck.tests.corpus import load_corpus, table


def pytest_terminal_summary(terminalreporter):
    # Computed here rather than collected from the test so that it also shows under xdist.
    terminalreporter.write_sep("-", "reply checker precision and recall")
    terminalreporter.write_line(table(load_corpus()))
