"""One row builder per table: every path that writes a table checks its values here.

``checks`` holds the column checks (text lengths, counts, amounts, ids, JSON); ``issues``
builds the rows of the issue-history tables and ``workflows`` those of the workflow
tables. The repositories, the loggers (sync and async) and the buffered writer all call
these, so a value is refused with the same ``InvalidValue`` and the same words whichever
path writes it, in Python and before any SQL is sent. A new column is added here, once.
"""
