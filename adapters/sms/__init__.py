"""The school SMS platform."""
