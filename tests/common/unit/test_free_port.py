"""free_port never hands out one port twice, even when the kernel offers the same free port again."""

from __future__ import annotations

import socket
from typing import Any, ClassVar

import pytest
from anju_common import testing


class _Sock:
    """A socket whose binds to port 0 get the ports of a fixed sequence."""

    offers: ClassVar[list[int]] = []

    def __enter__(self) -> _Sock:
        return self

    def __exit__(self, *_: Any) -> None:
        return None

    def bind(self, _addr: tuple[str, int]) -> None:
        self.port = self.offers.pop(0)

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)


def test_a_port_offered_again_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "_HANDED_OUT", set())
    monkeypatch.setattr(socket, "socket", _Sock)
    _Sock.offers = [41001, 41001, 41001, 41002, 41001, 41003]
    assert [testing.free_port(), testing.free_port(), testing.free_port()] == [41001, 41002, 41003]
    assert _Sock.offers == []


def test_real_ports_are_distinct() -> None:
    ports = [testing.free_port() for _ in range(50)]
    assert len(set(ports)) == 50
