# ruleid: airlock.coding-cookie
# -*- coding: utf-7 -*-
# Test target for source-hiding.yaml (`semgrep --test` layout). The cookie above is
# the only encoding declaration Python honours (lines 1-2); the file is plain ASCII
# and UTF-8 apart from the deliberate characters below.
import codecs
import math

# ok: airlock.coding-cookie
label_encoding = "one-hot"  # encoding: rot13 here is a comment, not a cookie (line > 2)

# ruleid: airlock.bidi-control
access_level = "user‮ ⁦# admin only⁩ ⁦"
# ok: airlock.bidi-control
greeting = "مرحبا hello"

# ruleid: airlock.invisible-character
is_admin = "no​"
# ok: airlock.invisible-character
word = "می‌خواهم"

# ruleid: airlock.confusable-identifier
ехес = print
# ruleid: airlock.confusable-identifier
ｅｖａｌ = len
# ruleid: airlock.confusable-identifier
total_cоunt = 3
# ruleid: airlock.confusable-identifier
print(total_cоunt)
# ruleid: airlock.confusable-identifier, airlock.invisible-character
ㅤ = 1


# ruleid: airlock.confusable-identifier
def lоad(path):
    return path


# ok: airlock.confusable-identifier
title = "Продажи по регионам"
# ok: airlock.confusable-identifier, airlock.non-ascii-identifier
total_count = 3

# ruleid: airlock.non-ascii-identifier
σ = math.sqrt(2.0)
# ruleid: airlock.non-ascii-identifier
Δt = 0.5
# ruleid: airlock.non-ascii-identifier
año = 2024
# ruleid: airlock.non-ascii-identifier
ϕ = (1 + 5 ** 0.5) / 2
# ok: airlock.non-ascii-identifier
note = "σ is the standard deviation"


def rot(text):
    return codecs.decode(text, "rot13")


# ruleid: airlock.codec-registration
codecs.register(lambda name: None)
# ok: airlock.codec-registration
decoded = codecs.decode("uryyb", "rot13")
