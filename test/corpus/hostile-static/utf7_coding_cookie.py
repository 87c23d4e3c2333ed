# -*- coding: utf-7 -*-
"""Tidy the survey column names."""
# normalise names+AAo-__import__(+ACI-os+ACI-).system(+ACI-id+ACI-)
print("columns tidied")
