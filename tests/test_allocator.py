import sys

import pytest

from jointformer.allocator import keep_large_blocks_in_heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt exists on Linux only")
def test_allocator_settings_are_accepted_and_idempotent():
    assert keep_large_blocks_in_heap() is True
    assert keep_large_blocks_in_heap() is True
