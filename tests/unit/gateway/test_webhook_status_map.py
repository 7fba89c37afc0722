"""Every provider message status has a place in our forward-only SMS statuses, or none."""

from connectors.sms import MessageStatus
from gateway.sms.webhook import STATUS_MAP
from shared.sms.messages import RANK


def test_every_mapped_status_is_one_our_rows_know_or_queued():
    assert set(STATUS_MAP.values()) <= set(RANK) | {"queued"}


def test_only_inbound_statuses_are_left_unmapped():
    unmapped = set(MessageStatus) - set(STATUS_MAP)
    assert unmapped == {MessageStatus.RECEIVING, MessageStatus.RECEIVED}


def test_final_statuses_outrank_sent_which_outranks_sending():
    assert RANK["requested"] < RANK["sending"] < RANK["sent"]
    assert RANK["sent"] < RANK["delivered"] == RANK["undelivered"] == RANK["failed"]
