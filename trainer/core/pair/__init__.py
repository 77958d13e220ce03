"""The two-terminal pair link: TLS 1.3 with a pinned ephemeral certificate, an HMAC
challenge on the join code's secret, typed length-prefixed frames, resumable sequences."""

from trainer.core.pair.codes import JoinCode, JoinCodeError
from trainer.core.pair.link import (
    LinkStatus,
    PairError,
    PairGuest,
    PairHost,
    PairRefused,
    Timings,
    is_loopback,
)
from trainer.core.pair.messages import MAX_FRAME, ProtocolError

__all__ = [
    "MAX_FRAME",
    "JoinCode",
    "JoinCodeError",
    "LinkStatus",
    "PairError",
    "PairGuest",
    "PairHost",
    "PairRefused",
    "ProtocolError",
    "Timings",
    "is_loopback",
]
