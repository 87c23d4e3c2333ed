"""Parses XML with the stdlib parser (entity expansion attacks)."""
import xml.etree.ElementTree as ET

tree = ET.parse("feed.xml")
