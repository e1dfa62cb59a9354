"""RFC 6455 conformance: Autobahn's test cases (run by kosoku) against the server's echo endpoint."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import Serve, missing, ws_at

try:
    import kosoku
except ImportError:  # pragma: no cover - only without the test extra
    kosoku = None

# Tornado 6.6 echoes an invalid close code back instead of failing the connection with 1002.
KNOWN_TORNADO_FAILURES = {f"7.9.{n}" for n in range(1, 10)}
# The server offers no permessage-deflate, so the compression cases have nothing to test.
NOT_OFFERED = ["12.*", "13.*"]


@pytest.mark.slow
@pytest.mark.async_timeout(240)
async def test_every_case_passes_but_the_known_tornado_close_code_cases(serve: Serve) -> None:
    if kosoku is None:
        missing("kosoku is not installed: pip install -e '.[test]'")
    server = await serve(autostart=False)
    url = ws_at(server, "/echo")
    try:
        results = await kosoku.run_fuzzingclient(url, exclude_cases=NOT_OFFERED, concurrency=2)
    except kosoku.FailureError as failure:
        results = failure.results
    verdicts = {result.case_id: result.behavior.value for result in results}
    failed = {case for case, verdict in verdicts.items() if verdict not in ("OK", "NON-STRICT", "INFORMATIONAL")}
    print("Autobahn verdicts:", dict(Counter(verdicts.values())), "of", len(verdicts), "cases")
    assert len(verdicts) > 290
    assert failed == KNOWN_TORNADO_FAILURES, sorted(failed ^ KNOWN_TORNADO_FAILURES)
