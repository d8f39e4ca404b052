"""The Kafka client checks record CRCs in native code: the pure-Python fallback cost ~5 ms per batch."""

from __future__ import annotations

from kafka.record import util
from kafka.record._crc32c import crc as pure_python_crc


def test_kafka_python_uses_the_native_crc32c_and_it_agrees_with_the_fallback() -> None:
    assert util.crc32c_c is not None, "install kafka-python[crc32c] (libs/common/pyproject.toml)"
    assert util.calc_crc32c.__defaults__ == (util.crc32c_c,)
    data = memoryview("安居 Anju record batch".encode() * 50)
    assert util.calc_crc32c(data) == pure_python_crc(data.tobytes())
    assert util.calc_crc32c(memoryview(b"123456789")) == 0xE3069283  # the CRC-32C check value
