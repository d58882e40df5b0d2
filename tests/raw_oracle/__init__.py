"""The query functions as they were before the pages read summaries: every figure straight from
the raw tables (learner, funnel_event). Test oracles only, never app code: the tests hold the
summary-backed functions in data_access.queries equal to these on every dialect.
"""
