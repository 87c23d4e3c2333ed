# Test target for network-access.yaml (`semgrep --test` layout).
import ftplib
import http.client
import json
import smtplib
import socket
import urllib.request

import httpx
import requests

# ruleid: airlock.network-access
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# ruleid: airlock.network-access
conn = socket.create_connection(("203.0.113.5", 443))
# ruleid: airlock.network-access
page = urllib.request.urlopen("http://203.0.113.5/")
# ruleid: airlock.network-access
client = http.client.HTTPSConnection("example.net")
# ruleid: airlock.network-access
r = requests.post("https://example.net", data=b"x")
# ruleid: airlock.network-access
r2 = httpx.get("https://example.net")
# ruleid: airlock.network-access
ftp = ftplib.FTP("203.0.113.5")
# ruleid: airlock.network-access
smtp = smtplib.SMTP("mail.example.net")
# ok: airlock.network-access
text = json.dumps({"rows": 3})
# ok: airlock.network-access
host = socket.gethostname()
