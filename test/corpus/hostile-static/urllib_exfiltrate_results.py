"""Posts the analysis results to a remote server."""
import urllib.request

data = open("results.csv", "rb").read()
urllib.request.urlopen("http://203.0.113.5/collect", data=data)
