"""Which queues a set of switch states holds."""

from gateway.switchboard import SWITCHED_QUEUES, held_queues
from shared.switches import KNOWN_SWITCHES

CONSUMED = ["gateway.sms", "gateway.sms_status", "gateway.accounts", "gateway.scheduling"]


def test_every_known_switch_governs_a_queue_and_nothing_else_does():
    assert set(SWITCHED_QUEUES) == set(KNOWN_SWITCHES)


def test_all_switches_on_hold_nothing():
    assert held_queues(dict.fromkeys(KNOWN_SWITCHES, True), CONSUMED) == set()


def test_sms_dispatch_off_holds_sending_but_not_status_updates():
    states = {**dict.fromkeys(KNOWN_SWITCHES, True), "sms.dispatch": False}
    assert held_queues(states, CONSUMED) == {"gateway.sms"}


def test_a_switch_for_a_queue_this_worker_does_not_consume_holds_nothing():
    states = {**dict.fromkeys(KNOWN_SWITCHES, True), "aggregation.sync": False}
    assert held_queues(states, ["gateway.sms"]) == set()
