"""The helpdesk webhook's signature and ticket references, without a server."""

from __future__ import annotations

import hashlib
import hmac
import re

from server.handoffs import reference, sign


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"event":"handoff.created"}'
    expected = hmac.new(b"s3cret", b"1795651577." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1795651577", body) == f"sha256={expected}"
    assert sign("s3cret", "1795651578", body) != sign("s3cret", "1795651577", body)  # the timestamp is signed too
    assert sign("other", "1795651577", body) != sign("s3cret", "1795651577", body)


def test_references_are_readable_aloud_and_unique_enough():
    made = {reference() for _ in range(2000)}
    assert len(made) == 2000
    assert all(re.fullmatch(r"HO-[A-HJ-NP-Z2-9]{8}", r) for r in made)  # no 0/O or 1/I to confuse
