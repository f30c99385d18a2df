#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The minimal Python bt2 script a user would write instead of rdv-analyze:
# read every message and count the rdv events (no analysis at all).
import sys

import bt2

n = 0
for msg in bt2.TraceCollectionMessageIterator(sys.argv[1]):
    if type(msg) is bt2._EventMessageConst and msg.event.name.startswith("rdv:"):
        n += 1
print(n)
