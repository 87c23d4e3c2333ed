# Test target for network-access.yaml (`semgrep --test` layout).
import asyncio
import ftplib
import http.client
import json
import os
import smtplib
import socket
import urllib.request
from socket import socket as make_socket
from urllib.request import urlopen

import httpx
import pandas as pd
import requests
import seaborn as sns

# ruleid: airlock.network-access
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# ruleid: airlock.network-access
conn = socket.create_connection(("203.0.113.5", 443))
# ruleid: airlock.network-access
page = urllib.request.urlopen("http://203.0.113.5/")
# ruleid: airlock.network-access
page2 = urlopen("http://203.0.113.5/")
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
# ruleid: airlock.network-access
s2 = make_socket()
# ruleid: airlock.network-access
addr = socket.gethostbyname("x.attacker.example")
# ruleid: airlock.network-access
remote = pd.read_csv("https://example.net/data.csv")
# ruleid: airlock.network-access
tips = sns.load_dataset("tips")


async def fetch():
    # ruleid: airlock.network-access
    reader, writer = await asyncio.open_connection("203.0.113.5", 80)
    return reader, writer


# ok: airlock.network-access
text = json.dumps({"rows": 3})
# ok: airlock.network-access
host = socket.gethostname()
# ok: airlock.network-access
local = pd.read_csv("sales.csv")

# ruleid: airlock.raw-socket, airlock.network-access
sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
# ruleid: airlock.raw-socket, airlock.network-access
raw = socket.socket(socket.AF_INET, 3, 255)
# ok: airlock.raw-socket
udp = socket.SOCK_DGRAM

# ruleid: airlock.socket-stdio-redirect
os.dup2(s.fileno(), 0)
# ok: airlock.socket-stdio-redirect
os.dup2(3, 4)
