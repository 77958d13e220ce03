"""The opt-in model grader: configuration, prompt, strict reply checks, and the request.

Requests only go to `tests.grader_stub` on 127.0.0.1. Timing assertions are loose upper
bounds (the point is "bounded", not "fast").
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.grader_stub import (
    ESC,
    SAMPLE_ANSWER,
    SAMPLE_CRITERIA,
    SAMPLE_PROMPT,
    SAMPLE_QUESTION_TITLE,
    GraderStub,
    completion_body,
    good_content,
    good_items,
)
from trainer.core.evaluation.grader import (
    CONFIG_FILE_NAME,
    DEFAULT_TIMEOUT_S,
    ENV_KEY,
    ENV_MODEL,
    ENV_URL,
    MAX_QUOTE_CHARS,
    MAX_RATIONALE_CHARS,
    MAX_REPLY_BYTES,
    GraderConfig,
    GraderConfigError,
    GraderOutcome,
    GraderReplyError,
    ModelSuggestion,
    build_messages,
    grade,
    grader_config,
    parse_reply,
)

pytestmark = pytest.mark.timeout(30)

TIMEOUT_S = 1.0
#: Characters that must never reach the terminal from a model's reply.
UNSAFE = (ESC, "\x07", "\x9b", "\x9d", "\u202e", "\r", "\n")


def _write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / CONFIG_FILE_NAME
    path.write_text(text, encoding="utf-8")
    return path


def _grade(url: str, *, timeout_s: float = TIMEOUT_S, **config: str) -> GraderOutcome:
    return grade(
        GraderConfig(url, timeout_s=timeout_s, **config),
        question_title=SAMPLE_QUESTION_TITLE,
        prompt=SAMPLE_PROMPT,
        criteria=SAMPLE_CRITERIA,
        answer=SAMPLE_ANSWER,
    )


def _strings(outcome: GraderOutcome) -> list[str]:
    out = [outcome.host, *(outcome.dropped), outcome.error or ""]
    for s in outcome.suggestions:
        out += [s.criterion_id, s.quote, s.rationale]
    return out


def _assert_clean_error(outcome: GraderOutcome, host: str) -> str:
    assert not outcome.ok and not outcome.suggestions
    assert outcome.error is not None
    assert outcome.error.startswith(f"grader at {host}: ")
    assert "\n" not in outcome.error and ESC not in outcome.error
    assert "cache" not in outcome.error  # never the answer's text
    return outcome.error


# --- configuration -------------------------------------------------------------------------


def test_config_is_none_when_no_url_anywhere(tmp_path: Path) -> None:
    assert grader_config(environ={}) is None
    assert grader_config(environ={}, config_path=tmp_path / "missing.toml") is None
    no_table = _write_config(tmp_path, '[other]\nurl = "http://127.0.0.1:1/v1"\n')
    assert grader_config(environ={}, config_path=no_table) is None
    assert grader_config(environ={ENV_URL: ""}) is None  # empty counts as unset


def test_config_precedence_args_then_environment_then_file(tmp_path: Path) -> None:
    path = _write_config(
        tmp_path,
        '[grader]\nurl = "http://file:1/v1"\nmodel = "file-model"\ntimeout_s = 7\n',
    )
    env = {ENV_URL: "http://env:2/v1", ENV_MODEL: "env-model"}

    from_file = grader_config(environ={}, config_path=path)
    assert from_file == GraderConfig("http://file:1/v1", "file-model", 7.0)

    from_env = grader_config(environ=env, config_path=path)
    assert from_env == GraderConfig("http://env:2/v1", "env-model", 7.0)

    from_args = grader_config("http://arg:3/v1", "arg-model", environ=env, config_path=path)
    assert from_args == GraderConfig("http://arg:3/v1", "arg-model", 7.0)

    # Per setting: an explicit URL still takes the model from the environment.
    mixed = grader_config("http://arg:3/v1", environ=env, config_path=path)
    assert mixed is not None and mixed.model == "env-model"


def test_config_defaults_and_key_from_environment_only() -> None:
    config = grader_config(environ={ENV_URL: "http://127.0.0.1:11434/v1", ENV_KEY: "sk-local"})
    assert config == GraderConfig(
        "http://127.0.0.1:11434/v1", "default", DEFAULT_TIMEOUT_S, api_key="sk-local"
    )


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/v1", "file:///etc/passwd", "localhost:11434/v1", "127.0.0.1"]
)
def test_config_rejects_a_url_that_is_not_http(url: str, tmp_path: Path) -> None:
    with pytest.raises(GraderConfigError, match="http:// or https://") as info:
        grader_config(url, environ={})
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)
    with pytest.raises(GraderConfigError, match="http:// or https://"):
        grader_config(environ={ENV_URL: url})
    path = _write_config(tmp_path, f'[grader]\nurl = "{url}"\n')
    with pytest.raises(GraderConfigError, match="http:// or https://") as info:
        grader_config(environ={}, config_path=path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "url", ["http://", "http://127.0.0.1:99999/v1", "http://127.0.0.1/v1 x", "http://a\x1b[2J/"]
)
def test_config_rejects_a_broken_url(url: str) -> None:
    with pytest.raises(GraderConfigError, match="grader URL") as info:
        grader_config(url, environ={})
    assert ESC not in str(info.value)


def test_broken_toml_names_the_file_and_why(tmp_path: Path) -> None:
    path = _write_config(tmp_path, '[grader]\nurl = "http://127.0.0.1:1/v1\n')
    with pytest.raises(GraderConfigError) as info:
        grader_config(environ={}, config_path=path)
    message = str(info.value)
    assert str(path) in message and "not valid TOML" in message and "line" in message
    assert "\n" not in message
    # A broken file is reported even when the environment already names a URL.
    with pytest.raises(GraderConfigError, match="not valid TOML"):
        grader_config(environ={ENV_URL: "http://127.0.0.1:1/v1"}, config_path=path)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('grader = "http://x"\n', "must be a table"),
        ("[grader]\nurl = 5\n", "must be a string"),
        ('[grader]\nurl = "http://x"\ntimeout_s = "soon"\n', "number of seconds"),
        ('[grader]\nurl = "http://x"\ntimeout_s = 0\n', "positive"),
        ('[grader]\nurl = "http://x"\ntimeout_s = true\n', "number of seconds"),
        ('[grader]\nurl = "http://x"\nmodle = "m"\n', "unknown setting"),
        ('[grader]\nurl = "http://x"\napi_key = "sk"\n', ENV_KEY),
    ],
)
def test_bad_config_values_name_the_file_and_setting(tmp_path: Path, text: str, why: str) -> None:
    path = _write_config(tmp_path, text)
    with pytest.raises(GraderConfigError, match=why) as info:
        grader_config(environ={}, config_path=path)
    assert str(path) in str(info.value)


def test_unreadable_config_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / CONFIG_FILE_NAME
    folder.mkdir()
    with pytest.raises(GraderConfigError, match="cannot be read"):
        grader_config(environ={}, config_path=folder)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:11434/v1", "127.0.0.1:11434"),
        ("http://localhost/v1", "localhost:80"),
        ("https://gpu-box.lan/v1/", "gpu-box.lan:443"),
        ("http://user:secret@10.0.0.5:8000/v1", "10.0.0.5:8000"),
        ("http://[::1]:8080/v1", "[::1]:8080"),
    ],
)
def test_host_is_host_and_port_without_credentials(url: str, host: str) -> None:
    assert GraderConfig(url).host == host


def test_config_checks_its_own_fields() -> None:
    with pytest.raises(GraderConfigError, match="timeout_s"):
        GraderConfig("http://127.0.0.1:1/v1", timeout_s=0)
    with pytest.raises(GraderConfigError, match="model"):
        GraderConfig("http://127.0.0.1:1/v1", model=" ")


# --- the prompt ----------------------------------------------------------------------------


def test_build_messages_carries_rubric_and_answer_and_asks_for_json() -> None:
    messages = build_messages(SAMPLE_QUESTION_TITLE, SAMPLE_PROMPT, SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert [m["role"] for m in messages] == ["system", "user"]
    text = "\n".join(m["content"] for m in messages)
    assert "JSON" in messages[0]["content"] and '"criteria"' in text
    for key in ('"id"', '"level"', '"quote"', '"rationale"'):
        assert key in text
    user = messages[1]["content"]
    assert SAMPLE_QUESTION_TITLE in user and SAMPLE_PROMPT in user
    assert SAMPLE_ANSWER in user
    for crit in SAMPLE_CRITERIA:
        assert f"id: {crit.id}" in user
        assert crit.title in user and crit.description in user
        for number, (name, descriptor) in enumerate(
            zip(crit.levels, crit.descriptors, strict=True), start=1
        ):
            assert f"{number}: {name} - {descriptor}" in user


# --- the reply -----------------------------------------------------------------------------


def _reply(*items: object) -> str:
    return json.dumps({"criteria": list(items)})


def _item(cid: str = "capacity", level: object = 2, quote: object = "POST /shorten", **kw: object):
    return {"id": cid, "level": level, "quote": quote, "rationale": "ok", **kw}


def test_parse_good_reply() -> None:
    suggestions, dropped = parse_reply(good_content(), SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert dropped == ()
    assert [(s.criterion_id, s.score, s.max_score) for s in suggestions] == [
        ("system-shape", 3, 4),
        ("capacity", 2, 4),
        ("failure-modes", 2, 4),
    ]
    assert suggestions[0] == ModelSuggestion(
        "system-shape",
        3,
        4,
        "a cache sits in front of the key-value store",
        "Names the API, a cache and the store.",
    )


@pytest.mark.parametrize("fence", ["```json\n{}\n```", "```\n{}\n```", "  ```JSON\n{}```\n"])
def test_parse_fenced_reply(fence: str) -> None:
    content = fence.replace("{}", good_content())
    suggestions, dropped = parse_reply(content, SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert len(suggestions) == 3 and dropped == ()


def test_parse_empty_criteria_list_is_fine() -> None:
    assert parse_reply('{"criteria": []}', SAMPLE_CRITERIA, SAMPLE_ANSWER) == ((), ())


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (_item(cid="made-up"), "made-up: unknown criterion"),
        (_item(level=0), "capacity: level outside 1..4"),
        (_item(level=5), "capacity: level outside 1..4"),
        (_item(level=3.0), "capacity: level is not a whole number"),
        (_item(level="3"), "capacity: level is not a whole number"),
        (_item(level=True), "capacity: level is not a whole number"),
        (_item(level=None), "capacity: level is not a whole number"),
        (_item(quote=None), "capacity: no quote from the answer"),
        (_item(quote="   "), "capacity: no quote from the answer"),
        (_item(quote=["POST"]), "capacity: no quote from the answer"),
        (_item(quote="GET /shorten"), "capacity: quote not found in the answer"),
        (_item(quote="post /shorten"), "capacity: quote not found in the answer"),  # case
        ("capacity", "item 1: not an object"),
        ({"level": 2, "quote": "POST"}, "item 1: no criterion id"),
    ],
)
def test_parse_drops_bad_items_with_a_reason(item: object, reason: str) -> None:
    suggestions, dropped = parse_reply(_reply(item), SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert suggestions == ()
    assert dropped == (reason,)


def test_parse_keeps_the_first_of_duplicate_ids() -> None:
    content = _reply(_item(level=2), _item(level=4), _item("system-shape", level=1))
    suggestions, dropped = parse_reply(content, SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert [(s.criterion_id, s.score) for s in suggestions] == [
        ("capacity", 2),
        ("system-shape", 1),
    ]
    assert dropped == ("capacity: duplicate, kept the first",)


def test_parse_drops_an_overlong_quote_even_when_it_is_in_the_answer() -> None:
    answer = "word " * 200
    fits = _collapse(answer)[:MAX_QUOTE_CHARS]
    too_long = _collapse(answer)[: MAX_QUOTE_CHARS + 1]
    assert too_long in answer
    kept, _ = parse_reply(_reply(_item(quote=fits)), SAMPLE_CRITERIA, answer)
    assert len(kept) == 1
    suggestions, dropped = parse_reply(_reply(_item(quote=too_long)), SAMPLE_CRITERIA, answer)
    assert suggestions == ()
    assert dropped == (f"capacity: quote longer than {MAX_QUOTE_CHARS} characters",)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def test_parse_compares_quotes_with_whitespace_runs_collapsed() -> None:
    # The answer has "For capacity:   100M ...  about"; the model quotes single spaces,
    # and across the answer's line break the model uses a space (or the reverse).
    quotes = [
        "For capacity: 100M new URLs a month, about 40 writes per second.",
        "a 7-character code. Reads dominate",
        "a 7-character code.\n\n   Reads   dominate",
    ]
    for quote in quotes:
        suggestions, dropped = parse_reply(
            _reply(_item(quote=quote)), SAMPLE_CRITERIA, SAMPLE_ANSWER
        )
        assert dropped == () and len(suggestions) == 1
        assert suggestions[0].quote == _collapse(quote)


@pytest.mark.parametrize(
    "content",
    ["Sure! Level 3.", "", "```json\nnot json\n```", '{"criteria": [', "[1, 2]", '"criteria"', "3"],
)
def test_parse_raises_on_content_that_is_not_json_object(content: str) -> None:
    with pytest.raises(GraderReplyError):
        parse_reply(content, SAMPLE_CRITERIA, SAMPLE_ANSWER)


@pytest.mark.parametrize(
    "content", ["{}", '{"criteria": {"capacity": 2}}', '{"scores": []}', '{"criteria": null}']
)
def test_parse_raises_on_json_of_the_wrong_shape(content: str) -> None:
    with pytest.raises(GraderReplyError) as info:
        parse_reply(content, SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert isinstance(info.value, ValueError)


def test_parse_cleans_the_rationale() -> None:
    hostile = (
        f"[bold red]Great[/bold red] {ESC}[2J{ESC}]0;pwned\x07answer{ESC}[31m\x9b1m"
        "\u202eok\x00\x7f\tthen\nsecond line\rthird"
    )
    content = _reply(_item(rationale=hostile))
    (suggestion,), dropped = parse_reply(content, SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert dropped == ()
    # Markup stays as literal text (the UI shows it literally); escapes are gone.
    assert suggestion.rationale == "[bold red]Great[/bold red] answerok then"
    long = parse_reply(_reply(_item(rationale="x" * 1000)), SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert len(long[0][0].rationale) <= MAX_RATIONALE_CHARS
    missing = parse_reply(_reply(_item(rationale=7)), SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert missing[0][0].rationale == ""


def test_parse_shows_an_unknown_hostile_id_cleaned_and_short() -> None:
    content = _reply(_item(cid=f"{ESC}]0;x\x07[red]{'y' * 300}"))
    _, (reason,) = parse_reply(content, SAMPLE_CRITERIA, SAMPLE_ANSWER)
    assert ESC not in reason and "\x07" not in reason
    assert reason.startswith("[red]y") and reason.endswith(": unknown criterion")
    assert len(reason) < 80


# --- the request ---------------------------------------------------------------------------


def test_grade_good_reply_and_what_was_sent() -> None:
    with GraderStub("good") as stub:
        outcome = _grade(stub.url, model="qwen2.5:7b")
    assert outcome.ok and outcome.error is None and outcome.dropped == ()
    assert outcome.host == stub.host
    expected = [(item["id"], item["level"], _collapse(item["quote"])) for item in good_items()]
    assert [(s.criterion_id, s.score, s.quote) for s in outcome.suggestions] == expected
    assert stub.paths == ["/v1/chat/completions"]
    (sent,) = stub.requests
    assert sent["model"] == "qwen2.5:7b"
    assert sent["temperature"] == 0
    assert sent["response_format"] == {"type": "json_object"}
    assert sent["messages"] == build_messages(
        SAMPLE_QUESTION_TITLE, SAMPLE_PROMPT, SAMPLE_CRITERIA, SAMPLE_ANSWER
    )
    headers = stub.headers[0]
    assert headers["authorization"] == "Bearer not-needed"
    assert headers["accept-encoding"] == "identity"


def test_grade_sends_the_key_and_ignores_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment must not see the answer: the grader goes direct.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with GraderStub("good") as stub:
        outcome = _grade(stub.url, api_key="sk-local")
    assert outcome.ok, outcome.error
    assert stub.headers[0]["authorization"] == "Bearer sk-local"


def test_grade_base_url_is_used_as_given() -> None:
    with GraderStub("good") as stub:
        outcome = _grade(f"http://127.0.0.1:{stub.port}")
    assert outcome.ok, outcome.error
    assert stub.paths == ["/chat/completions"]


def test_grade_accepts_custom_fenced_content() -> None:
    with GraderStub("good", content="```json\n" + good_content() + "\n```") as stub:
        outcome = _grade(stub.url)
    assert outcome.ok and len(outcome.suggestions) == 3


@pytest.mark.parametrize("mode", ["malformed", "malformed-shape", "malformed-content"])
def test_grade_malformed_reply_is_an_error_line(mode: str) -> None:
    with GraderStub(mode) as stub:
        outcome = _grade(stub.url)
    error = _assert_clean_error(outcome, stub.host)
    assert error.endswith("reply is not the JSON asked for")
    assert "Sure" not in error and "html" not in error  # never the model's text


def test_grade_reply_cut_off_at_length_limit() -> None:
    body = json.loads(completion_body('{"criteria": [{"id": "capa'))
    body["choices"][0]["finish_reason"] = "length"
    with GraderStub("good", body=json.dumps(body).encode()) as stub:
        outcome = _grade(stub.url)
    assert _assert_clean_error(outcome, stub.host).endswith("cut off at the model's length limit")


@pytest.mark.parametrize("mode", ["slow", "drip"])
def test_grade_slow_server_times_out_in_bounded_time(mode: str) -> None:
    timeout = 0.5
    # "drip" sends a byte every 0.1 s: each read is quick, only a total deadline stops it.
    with GraderStub(mode, delay_s=20) as stub:
        start = time.monotonic()
        outcome = _grade(stub.url, timeout_s=timeout)
        elapsed = time.monotonic() - start
        closing = time.monotonic()
    closed_in = time.monotonic() - closing
    assert _assert_clean_error(outcome, stub.host).endswith("no reply within 0.5 s")
    assert elapsed < timeout * 4 + 1
    assert closed_in < 5  # the stub does not wait out its delay on shutdown


def test_grade_hostile_reply_leaves_nothing_hostile() -> None:
    with GraderStub("hostile") as stub:
        outcome = _grade(stub.url)
    assert outcome.ok, outcome.error
    assert [s.criterion_id for s in outcome.suggestions] == ["system-shape"]
    assert outcome.suggestions[0].rationale == "[bold red]Great[/bold red] answer!"
    for text in _strings(outcome):
        for bad in UNSAFE:
            assert bad not in text, (bad, text)
    assert "capacity: level outside 1..4" in outcome.dropped
    assert "failure-modes: quote not found in the answer" in outcome.dropped
    assert any(reason.endswith(": unknown criterion") for reason in outcome.dropped)


def test_grade_huge_reply_is_refused_by_size() -> None:
    with GraderStub("hostile-huge") as stub:
        outcome = _grade(stub.url, timeout_s=5.0)
    error = _assert_clean_error(outcome, stub.host)
    assert error.endswith(f"reply is larger than {MAX_REPLY_BYTES // 1024} KiB")
    assert ESC not in error and "[bold]" not in error


def test_grade_http_error_names_the_status_only() -> None:
    with GraderStub("http-error") as stub:
        outcome = _grade(stub.url)
    assert _assert_clean_error(outcome, stub.host) == f"grader at {stub.host}: HTTP 500"
    assert len(stub.requests) == 1  # no retries


def test_grade_server_rejecting_response_format_is_an_error_without_retry() -> None:
    with GraderStub("reject-response-format") as stub:
        outcome = _grade(stub.url)
    error = _assert_clean_error(outcome, stub.host)
    assert error.startswith(f"grader at {stub.host}: HTTP 400")
    assert "not supported" not in error  # the server's text is not repeated
    assert len(stub.requests) == 1


def test_grade_refused_connection() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = _grade(f"http://127.0.0.1:{port}/v1")
    assert outcome.host == f"127.0.0.1:{port}"
    assert _assert_clean_error(outcome, outcome.host).endswith("connection refused")


# --- import cost ---------------------------------------------------------------------------


def test_importing_the_grader_does_not_import_openai() -> None:
    code = (
        "import sys, trainer.core.evaluation.grader\n"
        "heavy = {'openai', 'httpx2', 'httpx', 'textual', 'rich', 'typer'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
