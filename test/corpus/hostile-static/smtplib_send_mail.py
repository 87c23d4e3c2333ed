"""Mails the data set out."""
import smtplib

with smtplib.SMTP("mail.example.net") as smtp:
    smtp.sendmail("a@example.net", ["b@example.net"], open("data.csv").read())
