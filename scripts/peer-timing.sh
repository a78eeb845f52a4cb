# Sourced by the peer scripts. Bouffalo's tools wait for each answer with short timers of their
# own (their set_timeout); on a loaded machine an emulator scheduled late misses one and the tool
# stops (`ack is b''`, `ValueError: not enough values to unpack` in deal_ack, SHAKEHAND FAIL). Such a
# session says nothing about the device: it is run once more and the retry is reported. A second
# failure, or any other failure, stays a failure.

peer_timeout_signature="ack is b''|not enough values to unpack|SHAKEHAND FAIL|[Tt]ime ?out|timed out"

# peer_timed_out LOG: the peer gave up on its own timer (not our `timeout` kill, not a wrong answer).
peer_timed_out() { grep -qE "$peer_timeout_signature" "$1"; }

# peer_timeout_seen LOG: the first line of LOG that shows it, for the report.
peer_timeout_seen() { grep -m1 -oE "$peer_timeout_signature" "$1"; }
