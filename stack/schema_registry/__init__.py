"""Local schema registry of the native stack (development tool); see app.py."""
