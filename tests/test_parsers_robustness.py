"""Bad input gets a clear outcome and bounded memory; nothing escapes a parser as an exception."""

import gzip
import io
import random
import tracemalloc
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.parsers import ParseContext, format_names, parse_stream

from .parsing_support import samples


def _parse(data: bytes, fmt=None):
    return parse_stream(io.BytesIO(data), fmt=fmt, ctx=ParseContext())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_escape_as_an_exception(data):
    outcome = _parse(data)
    assert outcome.records >= 0 and outcome.skipped <= max(outcome.records, outcome.skipped)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(format_names()), st.binary(max_size=2048))
def test_every_forced_format_survives_random_bytes(fmt, data):
    _parse(data, fmt=fmt)


def test_mutated_real_samples_never_escape_as_an_exception():
    rng = random.Random(1234)
    files = [p for sub in ("pcap", "evtx", "firewall_ids", "logs_fail2ban")
             for p in samples(sub, "*") if not p.name.endswith((".json", ".md", ".rb", ".yaml",
                                                               ".rules", ".out", ".assert"))]
    for path in files:
        original = path.read_bytes()[:200_000]
        for _ in range(3):
            data = bytearray(original)
            for _ in range(max(1, len(data) // 500)):
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
            cut = rng.randrange(len(data) + 1) if data else 0
            _parse(bytes(data[:cut]))


def test_an_empty_file_reads_nothing_and_says_unknown():
    outcome = _parse(b"")
    assert (outcome.format, outcome.records, outcome.errors, len(outcome.offenders)) == (
        "unknown", 0, [], 0)


def test_a_truncated_gzip_keeps_what_was_read_and_says_so():
    lines = b"".join(b"Jan  1 00:%02d:%02d gw sshd[%d]: Failed password for root from 45.13.%d.%d "
                     b"port %d ssh2\n" % (i // 60 % 60, i % 60, i, i % 251, i % 199, 1024 + i)
                     for i in range(5000))
    outcome = _parse(gzip.compress(lines)[:-200])
    assert 0 < outcome.records < 5000
    assert any("truncated" in e["error"] for e in outcome.errors)


def test_a_zip_of_logs_is_read_member_by_member_and_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/auth.log", b"Jan  1 00:00:01 gw sshd[1]: Failed password for root from "
                                       b"45.13.7.9 port 22 ssh2\n")
        archive.writestr("bomb.log", b"\n" * (64 << 20))
    outcome = _parse(buffer.getvalue())
    assert [o.src for o in outcome.offenders] == ["45.13.7.9"]
    assert any("zip bomb" in e["error"] for e in outcome.errors)


def test_binary_data_in_no_known_format_is_a_clear_error():
    outcome = _parse(bytes(range(256)) * 100)
    assert outcome.format == "unknown" and "binary data in no known format" in outcome.errors[0]["error"]


def test_a_ten_megabyte_line_without_newline_is_skipped_in_bounded_memory():
    data = b"Jan  1 00:00:01 gw sshd[1]: Failed password for root from 45.13.7.9 port 22 ssh2\n"
    tracemalloc.start()
    outcome = _parse(data + b"A" * (10 << 20) + b"\n" + data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert outcome.skipped == 1 and "longer than" in outcome.errors[0]["error"]
    assert [o.count for o in outcome.offenders] == [2]
    assert peak < 40 << 20  # the 10 MB buffer is a few MiB-sized reads, never held whole


def test_a_four_gigabyte_file_of_binary_is_judged_from_its_head(tmp_path):
    path = tmp_path / "huge.bin"
    with open(path, "wb") as handle:
        handle.truncate(4 << 30)  # sparse: costs no disk
    with open(path, "rb") as handle:
        outcome = parse_stream(handle, ctx=ParseContext())
    assert outcome.format == "unknown" and outcome.errors
