"""Trojan source: a bidi override makes the check read differently than it runs."""
access_level = "user"
if access_level != "user‮ ⁦# Check if admin⁩ ⁦":
    print("You are an admin.")
