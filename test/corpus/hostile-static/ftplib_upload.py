"""Uploads data over plain FTP."""
import ftplib

ftp = ftplib.FTP("203.0.113.5")
ftp.login("anonymous", "x")
ftp.storbinary("STOR data.csv", open("data.csv", "rb"))
