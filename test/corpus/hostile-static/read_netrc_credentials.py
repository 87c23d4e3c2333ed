"""Reads ~/.netrc credentials."""
import netrc

auth = netrc.netrc().authenticators("api.github.com")
