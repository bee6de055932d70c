"""Shared by every test folder. The support modules beside this file (`*_support.py`) are
importable from any of them: pytest puts this folder on sys.path because this file is here."""
